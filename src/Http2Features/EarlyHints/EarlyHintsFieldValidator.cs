namespace Http2Features.EarlyHints;

/// <summary>
/// Checks 103 header fields before anything reaches the wire. On HTTP/1.1 a CR or LF in a value would let
/// a caller split the response, so bad input is refused with an error naming the field and the position.
/// </summary>
internal static class EarlyHintsFieldValidator
{
    // Connection-specific fields are forbidden in HTTP/2 (RFC 9113 §8.2.2) and meaningless in a 1xx.
    private static readonly string[] ForbiddenNames =
        ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "content-length"];

    /// <summary>The size a field counts against <see cref="EarlyHintsOptions.MaxTotalSize"/>: its HTTP/1.1 field line.</summary>
    public static int FieldLineSize(string name, string value) => name.Length + 2 + value.Length + 2;

    public static bool IsToken(string value) => HttpToken.Is(value);

    /// <summary>Validates all fields; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public static void Validate(IReadOnlyList<KeyValuePair<string, string>> fields, int maxTotalSize, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(fields, parameterName);
        if (fields.Count == 0)
        {
            throw new ArgumentException("An early hints response needs at least one header field.", parameterName);
        }

        var total = 0;
        for (var i = 0; i < fields.Count; i++)
        {
            var (name, value) = (fields[i].Key, fields[i].Value);
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"Early hints field #{i} has an empty name.", parameterName);
            }

            if (name[0] == ':')
            {
                throw new ArgumentException($"Early hints field #{i} '{EarlyHintLink.Printable(name)}' is a pseudo-header; only regular fields may be sent (the pack writes :status itself).", parameterName);
            }

            for (var j = 0; j < name.Length; j++)
            {
                if (!IsTokenChar(name[j]))
                {
                    throw new ArgumentException($"Early hints field #{i} name '{EarlyHintLink.Printable(name)}' has character U+{(int)name[j]:X4} at index {j}; a field name must be an RFC 9110 token.", parameterName);
                }
            }

            foreach (var forbidden in ForbiddenNames)
            {
                if (string.Equals(name, forbidden, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException($"Early hints field #{i} '{name}' is connection-specific or framing and is not allowed in a 103.", parameterName);
                }
            }

            ArgumentNullException.ThrowIfNull(value, parameterName);
            for (var j = 0; j < value.Length; j++)
            {
                var c = value[j];
                if (c is '\r' or '\n' or '\0')
                {
                    throw new ArgumentException($"Early hints field '{name}' value has {(c == '\0' ? "NUL" : c == '\r' ? "CR" : "LF")} at index {j}; CR, LF and NUL are refused (response splitting).", parameterName);
                }

                if ((c < 0x20 && c != '\t') || c >= 0x7F)
                {
                    throw new ArgumentException($"Early hints field '{name}' value has character U+{(int)c:X4} at index {j}; only visible ASCII, space and tab are allowed.", parameterName);
                }
            }

            if (value.Length > 0 && (value[0] is ' ' or '\t' || value[^1] is ' ' or '\t'))
            {
                throw new ArgumentException($"Early hints field '{name}' value starts or ends with whitespace.", parameterName);
            }

            total += FieldLineSize(name, value);
            if (total > maxTotalSize)
            {
                throw new ArgumentException($"Early hints fields exceed EarlyHintsOptions.MaxTotalSize ({maxTotalSize.ToString(System.Globalization.CultureInfo.InvariantCulture)} bytes) at field #{i} '{name}'.", parameterName);
            }
        }
    }

    internal static bool IsTokenChar(char c) => HttpToken.IsChar(c);
}
