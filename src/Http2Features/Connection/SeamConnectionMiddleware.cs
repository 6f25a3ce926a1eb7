using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>
/// The Kestrel connection middleware of the seam: gives the connection its <see cref="ConnectionSeamState"/>, lets
/// every <see cref="IConnectionSeamCapability"/> subscribe, and hands the rest of the pipeline a
/// <see cref="SeamConnectionContext"/>. When an endpoint has it twice (the automatic route before TLS and an explicit
/// <c>UseHttp2Features()</c> after), the second one does nothing if the first already wraps the transport it sees,
/// and takes over otherwise (a middleware in between handed the pipeline a connection context of its own, so the
/// first never saw TLS's transport).
/// </summary>
internal sealed class SeamConnectionMiddleware
{
    private readonly ConnectionDelegate _next;
    private readonly SeamEndpointLimits _limits;
    private readonly IConnectionSeamCapability[] _capabilities;
    private readonly ILogger _logger;
    private readonly SeamEndpointWarnings _warnings;

    public SeamConnectionMiddleware(ConnectionDelegate next, SeamEndpointLimits limits, IConnectionSeamCapability[] capabilities, ILogger logger, SeamEndpointWarnings warnings)
    {
        _next = next;
        _limits = limits;
        _capabilities = capabilities;
        _logger = logger;
        _warnings = warnings;
    }

    public Task OnConnectionAsync(ConnectionContext context)
    {
        if (context.Features.Get<IConnectionSeam>() is ConnectionSeamState existing)
        {
            return ReferenceEquals(context.Transport, existing.ApplicationPipe)
                ? _next(context)
                : _next(new SeamConnectionContext(context, existing, _logger, _warnings));
        }

        var state = new ConnectionSeamState();
        context.Features.Set<IConnectionSeam>(state);
        foreach (var capability in _capabilities)
        {
            capability.OnConnectionStarted(state, context.Features, _limits);
        }

        return _next(new SeamConnectionContext(context, state, _logger, _warnings));
    }
}
