using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Http2Features.EarlyHints;

namespace Http2Features;

/// <summary>The link relation of an <see cref="EarlyHintLink"/>.</summary>
public enum EarlyHintRel
{
    /// <summary><c>rel=preload</c>: fetch the resource now (needs <see cref="EarlyHintLink.As"/>).</summary>
    Preload,

    /// <summary><c>rel=preconnect</c>: open a connection to the origin now.</summary>
    Preconnect,

    /// <summary><c>rel=modulepreload</c>: fetch and compile a JavaScript module now.</summary>
    ModulePreload,

    /// <summary><c>rel=dns-prefetch</c>: resolve the origin's host name now.</summary>
    DnsPrefetch,
}

/// <summary>The <c>crossorigin</c> parameter of an <see cref="EarlyHintLink"/>.</summary>
public enum EarlyHintCrossOrigin
{
    /// <summary>No <c>crossorigin</c> parameter.</summary>
    None,

    /// <summary><c>crossorigin</c> (anonymous CORS, needed for fonts and module scripts from another origin).</summary>
    Anonymous,

    /// <summary><c>crossorigin=use-credentials</c>.</summary>
    UseCredentials,
}

/// <summary>The <c>fetchpriority</c> parameter of an <see cref="EarlyHintLink"/>.</summary>
public enum EarlyHintFetchPriority
{
    /// <summary>No <c>fetchpriority</c> parameter (the browser's default).</summary>
    Auto,

    /// <summary><c>fetchpriority=high</c>.</summary>
    High,

    /// <summary><c>fetchpriority=low</c>.</summary>
    Low,
}

/// <summary>
/// One <c>Link</c> header value (RFC 8288) for a 103 Early Hints response, formatted by <see cref="ToString"/>:
/// the target in angle brackets, then <c>rel</c>, <c>as</c>, <c>crossorigin</c>, <c>type</c>,
/// <c>fetchpriority</c> and <c>nopush</c>; values that are not tokens are sent as quoted strings.
/// </summary>
/// <example><code>
/// await context.Response.SendEarlyHintsAsync(
///     EarlyHintLink.Preload("/site.css", "style"),
///     EarlyHintLink.Preload("/font.woff2", "font") with { CrossOrigin = EarlyHintCrossOrigin.Anonymous, Type = "font/woff2" },
///     EarlyHintLink.Preconnect("https://cdn.example.com"));
/// </code></example>
public sealed record EarlyHintLink
{
    private readonly string _href;
    private readonly string? _as;
    private readonly string? _type;

    /// <summary>Creates a link to <paramref name="href"/> with relation <paramref name="rel"/>.</summary>
    /// <param name="href">The target URI reference (ASCII, no spaces, no <c>&lt;</c> or <c>&gt;</c>; percent-encode anything else).</param>
    /// <param name="rel">The relation.</param>
    /// <exception cref="ArgumentException"><paramref name="href"/> is empty or has a character a URI reference cannot hold.</exception>
    public EarlyHintLink(string href, EarlyHintRel rel)
    {
        _href = ValidateHref(href);
        if (!Enum.IsDefined(rel))
        {
            throw new ArgumentOutOfRangeException(nameof(rel), rel, "Unknown link relation.");
        }

        Rel = rel;
    }

    /// <summary>The target URI reference, written between <c>&lt;</c> and <c>&gt;</c>.</summary>
    public string Href
    {
        get => _href;
        init => _href = ValidateHref(value);
    }

    /// <summary>The relation (<c>rel</c>).</summary>
    public EarlyHintRel Rel { get; init; }

    /// <summary>The request destination (<c>as</c>): <c>style</c>, <c>script</c>, <c>font</c>, <c>image</c>, <c>fetch</c>, ... A token.</summary>
    public string? As
    {
        get => _as;
        init => _as = value is null ? null : ValidateToken(value, nameof(As));
    }

    /// <summary>The <c>crossorigin</c> parameter.</summary>
    public EarlyHintCrossOrigin CrossOrigin { get; init; }

    /// <summary>The MIME type hint (<c>type</c>), e.g. <c>font/woff2</c>; sent as a quoted string.</summary>
    public string? Type
    {
        get => _type;
        init => _type = value is null ? null : ValidateParameterValue(value, nameof(Type));
    }

    /// <summary>The <c>fetchpriority</c> parameter.</summary>
    public EarlyHintFetchPriority FetchPriority { get; init; }

    /// <summary>Adds <c>nopush</c> (tells HTTP/2 push-capable intermediaries not to push the target).</summary>
    public bool NoPush { get; init; }

    /// <summary><c>rel=preload</c> of <paramref name="href"/> as <paramref name="asType"/> (<c>style</c>, <c>script</c>, <c>font</c>, <c>image</c>, ...).</summary>
    /// <param name="href">The target.</param>
    /// <param name="asType">The request destination.</param>
    /// <returns>The link.</returns>
    public static EarlyHintLink Preload(string href, string asType) => new(href, EarlyHintRel.Preload) { As = asType };

    /// <summary><c>rel=modulepreload</c> of the JavaScript module <paramref name="href"/>.</summary>
    /// <param name="href">The module URL.</param>
    /// <returns>The link.</returns>
    public static EarlyHintLink ModulePreload(string href) => new(href, EarlyHintRel.ModulePreload);

    /// <summary><c>rel=preconnect</c> to <paramref name="origin"/>.</summary>
    /// <param name="origin">The origin, e.g. <c>https://cdn.example.com</c>.</param>
    /// <param name="crossOrigin">The <c>crossorigin</c> parameter (use <see cref="EarlyHintCrossOrigin.Anonymous"/> for font/CORS origins).</param>
    /// <returns>The link.</returns>
    public static EarlyHintLink Preconnect(string origin, EarlyHintCrossOrigin crossOrigin = EarlyHintCrossOrigin.None)
        => new(origin, EarlyHintRel.Preconnect) { CrossOrigin = crossOrigin };

    /// <summary><c>rel=dns-prefetch</c> of <paramref name="origin"/>.</summary>
    /// <param name="origin">The origin, e.g. <c>https://cdn.example.com</c>.</param>
    /// <returns>The link.</returns>
    public static EarlyHintLink DnsPrefetch(string origin) => new(origin, EarlyHintRel.DnsPrefetch);

    /// <summary>Formats the link as an RFC 8288 <c>Link</c> field value.</summary>
    /// <returns>For example <c>&lt;/site.css&gt;; rel=preload; as=style</c>.</returns>
    public override string ToString()
    {
        // Built on the stack, one string allocated: this runs for every link of every 103.
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        text.AppendLiteral("<");
        text.AppendLiteral(_href);
        text.AppendLiteral(">; rel=");
        text.AppendLiteral(Rel switch
        {
            EarlyHintRel.Preload => "preload",
            EarlyHintRel.Preconnect => "preconnect",
            EarlyHintRel.ModulePreload => "modulepreload",
            EarlyHintRel.DnsPrefetch => "dns-prefetch",
            _ => throw new InvalidOperationException("Unknown link relation " + Rel + "."),
        });
        if (_as is not null)
        {
            text.AppendLiteral("; as=");
            text.AppendLiteral(_as);
        }

        switch (CrossOrigin)
        {
            case EarlyHintCrossOrigin.Anonymous:
                text.AppendLiteral("; crossorigin");
                break;
            case EarlyHintCrossOrigin.UseCredentials:
                text.AppendLiteral("; crossorigin=use-credentials");
                break;
        }

        if (_type is not null)
        {
            text.AppendLiteral("; type=");
            AppendQuoted(ref text, _type);
        }

        switch (FetchPriority)
        {
            case EarlyHintFetchPriority.High:
                text.AppendLiteral("; fetchpriority=high");
                break;
            case EarlyHintFetchPriority.Low:
                text.AppendLiteral("; fetchpriority=low");
                break;
        }

        if (NoPush)
        {
            text.AppendLiteral("; nopush");
        }

        return text.ToStringAndClear();
    }

    // quoted-string (RFC 9110 §5.6.4): DQUOTE and backslash are escaped with a backslash.
    private static void AppendQuoted(ref DefaultInterpolatedStringHandler text, string value)
    {
        text.AppendLiteral("\"");
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] is '"' or '\\')
            {
                text.AppendFormatted(value.AsSpan(start, i - start));
                text.AppendLiteral("\\");
                start = i;
            }
        }

        text.AppendFormatted(value.AsSpan(start));
        text.AppendLiteral("\"");
    }

    private static string ValidateHref(string href)
    {
        ArgumentException.ThrowIfNullOrEmpty(href);
        for (var i = 0; i < href.Length; i++)
        {
            var c = href[i];
            if (c <= ' ' || c >= 0x7F || c is '<' or '>' or '"' or '\\' or '^' or '`' or '{' or '|' or '}')
            {
                throw new ArgumentException(
                    $"Link target '{Printable(href)}' has character U+{(int)c:X4} at index {i}, which a URI reference cannot hold; percent-encode it.",
                    nameof(href));
            }
        }

        return href;
    }

    private static string ValidateToken(string value, string parameter)
    {
        if (!EarlyHintsFieldValidator.IsToken(value))
        {
            throw new ArgumentException($"Link parameter '{parameter.ToLowerInvariant()}' value '{Printable(value)}' is not an RFC 9110 token.", parameter);
        }

        return value;
    }

    private static string ValidateParameterValue(string value, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, parameter);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < 0x20 || c >= 0x7F)
            {
                throw new ArgumentException(
                    $"Link parameter '{parameter.ToLowerInvariant()}' has character U+{(int)c:X4} at index {i}; only visible ASCII and space are allowed.",
                    parameter);
            }
        }

        return value;
    }

    internal static string Printable(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c < 0x20 || c == 0x7F)
            {
                builder.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
