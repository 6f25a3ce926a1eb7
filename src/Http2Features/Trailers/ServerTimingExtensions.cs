using System.Globalization;
using System.Text;
using Http2Features;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Http;

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
        if ((context.Features.Get<IHttpResponseTrailersSenderFeature>() as ResponseTrailersFeature)?.Producer is not { ServerTiming: true } state)
        {
            return false;
        }

        state.AddMetric(metric);
        return true;
    }
}
