using Http2Features.Connection;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Priority;

/// <summary>
/// First middleware of the pipeline (added by <see cref="StreamPriorityStartupFilter"/>): puts an
/// <see cref="IHttp2StreamPriorityFeature"/> on <see cref="HttpContext.Features"/> for every request on a
/// connection the seam observes. The object comes from the connection's pool and goes back when the rest
/// of the pipeline completes; it parses and looks up nothing unless the app reads it.
/// </summary>
internal sealed class StreamPriorityMiddleware
{
    private readonly RequestDelegate _next;

    public StreamPriorityMiddleware(RequestDelegate next)
    {
        _next = next;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var features = context.Features;
        if (features.Get<IConnectionSeam>() is not { } seam || features.Get<IHttp2StreamPriorityFeature>() is not null)
        {
            // No seam (HTTP/3, IIS, TestServer): GetStreamPriority() still gives the header-only view.
            return _next(context);
        }

        var pool = seam.PriorityFeatures;
        var feature = pool.Rent();
        feature.Bind(context, seam);
        features.Set<IHttp2StreamPriorityFeature>(feature);

        Task task;
        try
        {
            task = _next(context);
        }
        catch
        {
            Return(context, seam, feature);
            throw;
        }

        if (task.IsCompleted)
        {
            // The common synchronous case: no async state machine.
            Return(context, seam, feature);
            return task;
        }

        return AwaitAndReturn(task, context, seam, feature);
    }

    private static async Task AwaitAndReturn(Task task, HttpContext context, IConnectionSeam seam, StreamPriorityFeature feature)
    {
        try
        {
            await task;
        }
        finally
        {
            Return(context, seam, feature);
        }
    }

    private static void Return(HttpContext context, IConnectionSeam seam, StreamPriorityFeature feature)
    {
        // Take it off Features first: code running after the pipeline (OnCompleted callbacks) then gets a
        // fresh object from GetStreamPriority() rather than one another request may be using.
        var features = context.Features;
        if (ReferenceEquals(features.Get<IHttp2StreamPriorityFeature>(), feature))
        {
            features.Set<IHttp2StreamPriorityFeature>(null);
        }

        feature.Release();
        seam.PriorityFeatures.Return(feature, seam.IsHttp2);
    }
}
