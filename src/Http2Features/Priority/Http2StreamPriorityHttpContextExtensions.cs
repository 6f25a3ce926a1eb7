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
    /// the client sent nothing. The first call resolves it from the connection (an object recycled per connection and
    /// bound to the request's stream on a connection the pack observes; elsewhere — HTTP/3, IIS, no seam — one read
    /// from the <c>priority</c> header) and puts it on <see cref="HttpContext.Features"/>, where later calls and
    /// <c>Features.Get&lt;IHttp2StreamPriorityFeature&gt;()</c> find it. A request that never asks costs nothing.
    /// A feature you set on <see cref="HttpContext.Features"/> yourself is returned as it is.
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

        // HTTP/2 on a connection the seam observes: the feature kept for Kestrel's request object. The request that used
        // it before has completed (Kestrel reuses the object only then): Bind forgets it.
        if (StreamPriorityConnection.KeptFeature(context, features, out var seam) is { } kept)
        {
            kept.BindKept(context);
            features.Set<IHttp2StreamPriorityFeature>(kept);
            return kept;
        }

        if (seam is null)
        {
            var unpooled = new StreamPriorityFeature();
            unpooled.Bind(context, seam: null);
            features.Set<IHttp2StreamPriorityFeature>(unpooled);
            return unpooled;
        }

        // From the connection's pool; when the request completes the object leaves Features, detaches from its
        // stream (the stream's entry goes) and goes back to the pool (StreamPriorityFeature.Dispose).
        var feature = seam.PriorityFeatures.Rent();
        feature.Bind(context, seam);
        features.Set<IHttp2StreamPriorityFeature>(feature);
        feature.SetOnFeaturesAt(features.Revision);
        context.Response.RegisterForDispose(feature);
        return feature;
    }
}
