using System.Globalization;
using System.Text;

namespace Http2Features.Trailers;

/// <summary>Formats <c>metric-name *( OWS ";" OWS server-timing-param )</c> per the W3C Server Timing grammar.</summary>
internal static class ServerTimingFormat
{
    public static string Metric(string name, double? durationMilliseconds, string? description)
    {
        if (!TrailerFieldValidator.IsToken(name))
        {
            throw new ArgumentException($"Server-Timing metric name '{name}' must be a token (RFC 9110 §5.6.2).", nameof(name));
        }

        var sb = new StringBuilder(name);
        if (durationMilliseconds is { } dur)
        {
            if (!double.IsFinite(dur) || dur < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(durationMilliseconds), dur, $"Server-Timing metric '{name}' needs a finite, non-negative duration in milliseconds.");
            }

            sb.Append(";dur=").Append(dur.ToString("0.###", CultureInfo.InvariantCulture));
        }

        if (description is not null)
        {
            sb.Append(";desc=");
            if (TrailerFieldValidator.IsToken(description))
            {
                sb.Append(description);
            }
            else
            {
                sb.Append('"');
                foreach (var c in description)
                {
                    if (c is < ' ' or > '~')
                    {
                        throw new ArgumentException($"Server-Timing description of '{name}' has U+{(int)c:X4}; only visible ASCII and spaces are allowed.", nameof(description));
                    }

                    if (c is '"' or '\\')
                    {
                        sb.Append('\\');
                    }

                    sb.Append(c);
                }

                sb.Append('"');
            }
        }

        return sb.ToString();
    }
}
