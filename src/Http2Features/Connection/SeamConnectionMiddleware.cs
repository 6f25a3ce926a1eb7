using Http2Features.Priority;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>
/// The Kestrel connection middleware of the seam: gives the connection its <see cref="ConnectionSeamState"/>
/// and hands the rest of the pipeline a <see cref="SeamConnectionContext"/>. When an endpoint has it twice
/// (the automatic route before TLS and an explicit <c>UseHttp2Features()</c> after), the second one does
/// nothing if the first already wraps the transport it sees, and takes over otherwise (a middleware in
/// between handed the pipeline a connection context of its own, so the first never saw TLS's transport).
/// </summary>
internal sealed class SeamConnectionMiddleware
{
    private readonly ConnectionDelegate _next;
    private readonly int _maxConcurrentStreams;
    private readonly ILogger _logger;
    private readonly PriorityMetrics? _metrics;

    public SeamConnectionMiddleware(ConnectionDelegate next, int maxConcurrentStreams, ILogger logger, PriorityMetrics? metrics)
    {
        _metrics = metrics;
        _next = next;
        _maxConcurrentStreams = maxConcurrentStreams;
        _logger = logger;
    }

    public Task OnConnectionAsync(ConnectionContext context)
    {
        if (context.Features.Get<IConnectionSeam>() is ConnectionSeamState existing)
        {
            return ReferenceEquals(context.Transport, existing.ApplicationPipe)
                ? _next(context)
                : _next(new SeamConnectionContext(context, existing, _logger));
        }

        var state = new ConnectionSeamState(_maxConcurrentStreams, _metrics);
        context.Features.Set<IConnectionSeam>(state);
        ReleaseWhenComplete(context, state);
        return _next(new SeamConnectionContext(context, state, _logger));
    }

    // Kestrel runs these callbacks once the whole connection pipeline is done: no frame is observed after it.
    private static void ReleaseWhenComplete(ConnectionContext context, ConnectionSeamState state) =>
        context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionCompleteFeature>()?.OnCompleted(
            static s =>
            {
                ((ConnectionSeamState)s).Priorities.Release();
                return Task.CompletedTask;
            },
            state);
}
