using System.Collections.Frozen;
using Microsoft.Extensions.Primitives;

namespace Http2Features.Trailers;

/// <summary>
/// Checks trailer field names and values. Kestrel itself only checks that names are tokens and values are
/// ASCII without controls, and happily sends <c>content-length</c> in trailers.
/// </summary>
internal static class TrailerFieldValidator
{
    // RFC 9110 §6.5.1 forbids fields needed before the content; RFC 7230 §4.1.2 named the categories with examples.
    private static readonly FrozenDictionary<string, string> Forbidden = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["content-length"] = "message framing",
        ["transfer-encoding"] = "message framing",
        ["host"] = "routing",
        ["cache-control"] = "request modifiers and response control data",
        ["expect"] = "request modifiers (controls)",
        ["max-forwards"] = "request modifiers (controls)",
        ["pragma"] = "request modifiers (controls)",
        ["range"] = "request modifiers (controls)",
        ["te"] = "request modifiers (controls)",
        ["if-match"] = "request modifiers (conditionals)",
        ["if-none-match"] = "request modifiers (conditionals)",
        ["if-modified-since"] = "request modifiers (conditionals)",
        ["if-unmodified-since"] = "request modifiers (conditionals)",
        ["if-range"] = "request modifiers (conditionals)",
        ["authorization"] = "authentication",
        ["www-authenticate"] = "authentication",
        ["proxy-authenticate"] = "authentication",
        ["proxy-authorization"] = "authentication",
        ["set-cookie"] = "authentication (cookies)",
        ["cookie"] = "authentication (cookies)",
        ["age"] = "response control data",
        ["expires"] = "response control data",
        ["date"] = "response control data",
        ["location"] = "response control data",
        ["retry-after"] = "response control data",
        ["vary"] = "response control data",
        ["warning"] = "response control data",
        ["content-type"] = "how to process the content",
        ["content-encoding"] = "how to process the content",
        ["content-range"] = "how to process the content",
        ["trailer"] = "how to process the content (the Trailer field itself)",
        ["realm"] = "authentication",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    // RFC 9113 §8.2.2: these make an HTTP/2 message malformed (te is allowed only as "te: trailers", in requests).
    private static readonly FrozenSet<string> ConnectionSpecific = new[]
    {
        "connection", "keep-alive", "proxy-connection", "upgrade", "transfer-encoding",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Validates a name; <paramref name="isHttp2OrLater"/> adds the lower-case rule.</summary>
    public static void ValidateName(string? name, bool isHttp2OrLater)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new TrailerValidationException(name ?? string.Empty, TrailerRule.InvalidName,
                "A trailer field name must not be empty (RFC 9110 §5.1).");
        }

        if (name[0] == ':')
        {
            throw new TrailerValidationException(name, TrailerRule.PseudoHeader,
                $"Trailer field '{name}' is a pseudo-header; pseudo-headers are not allowed in trailers (RFC 9113 §8.1).");
        }

        foreach (var c in name)
        {
            if (!HttpToken.IsChar(c))
            {
                throw new TrailerValidationException(name, TrailerRule.InvalidName,
                    $"Trailer field name '{Printable(name)}' is not a token: character {Describe(c)} is not allowed (RFC 9110 §5.6.2).");
            }
        }

        if (isHttp2OrLater)
        {
            foreach (var c in name)
            {
                if (c is >= 'A' and <= 'Z')
                {
                    throw new TrailerValidationException(name, TrailerRule.UpperCaseOnHttp2,
                        $"Trailer field name '{name}' has upper-case letters; HTTP/2 field names must be lower-case (RFC 9113 §8.2.1). Use '{name.ToLowerInvariant()}'.");
                }
            }
        }

        if (ConnectionSpecific.Contains(name))
        {
            throw new TrailerValidationException(name, TrailerRule.ConnectionSpecific,
                $"Trailer field '{name}' is connection-specific: it makes an HTTP/2 message malformed (RFC 9113 §8.2.2) and controls HTTP/1.1 framing and the connection (RFC 9112 §6, §9.6).");
        }

        // Go's net/http (httpguts.ValidTrailerHeader) refuses every "If-" field: all are request conditionals.
        if (name.StartsWith("if-", StringComparison.OrdinalIgnoreCase))
        {
            throw new TrailerValidationException(name, TrailerRule.ForbiddenInTrailers,
                $"Trailer field '{name}' is not allowed in trailers: it belongs to request modifiers (conditionals), which must be known before the content (RFC 9110 §6.5.1).");
        }

        if (Forbidden.TryGetValue(name, out var category))
        {
            throw new TrailerValidationException(name, TrailerRule.ForbiddenInTrailers,
                $"Trailer field '{name}' is not allowed in trailers: it belongs to {category}, which must be known before the content (RFC 9110 §6.5.1).");
        }
    }

    /// <summary>Validates a name and each of its values.</summary>
    public static void Validate(string? name, StringValues values, bool isHttp2OrLater)
    {
        // te with anything but "trailers" is the HTTP/2 connection-specific rule; te: trailers is still a request control.
        if (string.Equals(name, "te", StringComparison.OrdinalIgnoreCase)
            && !(values.Count == 1 && string.Equals(values[0], "trailers", StringComparison.OrdinalIgnoreCase)))
        {
            throw new TrailerValidationException(name!, TrailerRule.ConnectionSpecific,
                $"Trailer field '{name}' with a value other than 'trailers' is connection-specific (RFC 9113 §8.2.2); 'te' is also a request control not allowed in trailers (RFC 9110 §6.5.1).");
        }

        ValidateName(name, isHttp2OrLater);
        foreach (var value in values)
        {
            ValidateValue(name!, value);
        }
    }

    public static void ValidateValue(string name, string? value)
    {
        if (value is null)
        {
            throw new TrailerValidationException(name, TrailerRule.InvalidValue, $"Trailer field '{name}' has a null value.");
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var rule = c switch
            {
                '\r' or '\n' or '\0' => "CR, LF and NUL are never allowed in field values (RFC 9110 §5.5, RFC 9113 §8.2.1)",
                '\t' => null,
                < ' ' or '\u007f' => "control characters are not allowed in field values (RFC 9110 §5.5)",
                > '\u007e' => "only visible ASCII is sent; percent-encode or base64 other data",
                _ => null,
            };
            if (rule is not null)
            {
                throw new TrailerValidationException(name, TrailerRule.InvalidValue,
                    $"Trailer field '{name}' has {Describe(c)} at index {i} of its value: {rule}.");
            }
        }

        if (value.Length > 0 && (IsWhitespace(value[0]) || IsWhitespace(value[^1])))
        {
            throw new TrailerValidationException(name, TrailerRule.InvalidValue,
                $"Trailer field '{name}' has a value that starts or ends with whitespace (RFC 9113 §8.2.1, RFC 9110 §5.5).");
        }
    }

    public static bool IsToken(string? s) => HttpToken.Is(s);

    // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static bool IsWhitespace(char c) => c is ' ' or '\t';

    private static string Describe(char c) => c switch
    {
        '\r' => "CR (0x0D)",
        '\n' => "LF (0x0A)",
        '\0' => "NUL (0x00)",
        _ when c < ' ' || c >= '\u007f' => $"U+{(int)c:X4}",
        _ => $"'{c}'",
    };

    private static string Printable(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
}
