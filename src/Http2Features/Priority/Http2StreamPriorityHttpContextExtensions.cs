using Http2Features;
using Http2Features.Connection;
using Http2Features.Priority;
using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Http;

/// <summary>Reads the stream priority of the current request.</summary>
public static class Http2StreamPriorityHttpContextExtensions
{
    /// <summary>
    /// Returns the priority of the current request: never <see langword="null"/>, with the RFC defaults when
    /// the client sent nothing. With <c>AddHttp2Features()</c> on Kestrel this is the feature already on
    /// <see cref="HttpContext.Features"/>; elsewhere (HTTP/3, IIS, an app without the pack's services) the
    /// first call creates one from the <c>priority</c> header and puts it on <see cref="HttpContext.Features"/>.
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

        var feature = new StreamPriorityFeature();
        var seam = features.Get<IConnectionSeam>();
        feature.Bind(context, seam);
        if (seam is { IsHttp2: true })
        {
            // The stream is closed when the request ends: drop its entry (and stop updates).
            context.Response.RegisterForDispose(feature);
        }

        features.Set<IHttp2StreamPriorityFeature>(feature);
        return feature;
    }
}
