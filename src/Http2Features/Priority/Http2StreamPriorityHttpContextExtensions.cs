using Http2Features.Connection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Http2Features.Priority;

/// <summary>Reads the stream priority of the current request.</summary>
public static class Http2StreamPriorityHttpContextExtensions
{
    /// <summary>
    /// Returns the priority of the current request: never <see langword="null"/>, with the RFC defaults when
    /// the client sent nothing. The first call for a request creates the feature and puts it on
    /// <see cref="HttpContext.Features"/>; requests that never call this cost nothing.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <returns>The request's priority feature.</returns>
    public static IHttp2StreamPriorityFeature GetStreamPriority(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var features = context.Features;
        if (features.Get<IHttp2StreamPriorityFeature>() is { } existing)
        {
            return existing;
        }

        var headerValues = context.Request.Headers["priority"];
        var urgency = PriorityFieldParser.DefaultUrgency;
        var incremental = false;
        if (headerValues.Count > 0)
        {
            // Several field lines form one dictionary (RFC 8941 section 3.2), joined with commas.
            var joined = headerValues.Count == 1 ? headerValues[0] : string.Join(", ", headerValues.ToArray());
            if (!PriorityFieldParser.TryParse(joined, out urgency, out incremental))
            {
                urgency = PriorityFieldParser.DefaultUrgency;
                incremental = false;
            }
        }

        var feature = new StreamPriorityFeature(urgency, incremental);
        var seam = features.Get<IConnectionSeam>();
        if (seam is { IsHttp2: true } && features.Get<IHttp2StreamIdFeature>() is { } streamIdFeature)
        {
            seam.Priorities.Attach(streamIdFeature.StreamId, feature);

            // The stream is closed when the request ends: drop its entry (and stop updates).
            context.Response.RegisterForDispose(feature);
        }

        features.Set<IHttp2StreamPriorityFeature>(feature);
        return feature;
    }
}
