using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Trailers;

/// <summary>Adds metrics to the <c>server-timing</c> trailer (W3C Server Timing) of the server-timing producer.</summary>
public static class ServerTimingExtensions
{
    /// <summary>
    /// Adds a metric such as <c>db;dur=4.2;desc="Orders query"</c> after the producer's <c>total;dur=…</c>.
    /// Returns <see langword="false"/> (and records nothing) when no server-timing producer runs for this request
    /// (<c>.WithServerTimingTrailer()</c> / <c>app.UseServerTimingTrailer()</c>) or the response cannot carry trailers.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="name">The metric name; must be a token (RFC 9110 §5.6.2).</param>
    /// <param name="durationMilliseconds">Duration in milliseconds (finite, not negative), or null for none.</param>
    /// <param name="description">A description (visible ASCII and spaces), or null for none.</param>
    /// <exception cref="ArgumentException">The name, duration or description is not valid Server-Timing syntax.</exception>
    public static bool AddServerTimingMetric(this HttpContext context, string name, double? durationMilliseconds = null, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var metric = ServerTimingFormat.Metric(name, durationMilliseconds, description);
        if (context.Features.Get<TrailerProducerState>() is not { ServerTiming: true } state)
        {
            return false;
        }

        state.AddMetric(metric);
        return true;
    }
}

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
