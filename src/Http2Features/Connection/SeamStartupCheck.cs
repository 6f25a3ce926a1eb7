using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>
/// After Kestrel starts, names each endpoint that has no seam (one the automatic route could not reach,
/// without <c>UseHttp2Features()</c>) with the one-line fix. Endpoints are matched by what identifies them
/// (unix socket path, pipe name, port), so unix sockets, named pipes and an endpoint bound on several
/// addresses are never reported falsely.
/// </summary>
internal sealed class SeamStartupCheck : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServer _server;
    private readonly SeamEndpointRegistry _registry;
    private readonly ILogger _logger;
    private CancellationTokenRegistration _registration;

    public SeamStartupCheck(IHostApplicationLifetime lifetime, IServer server, SeamEndpointRegistry registry, ILoggerFactory loggerFactory)
    {
        _lifetime = lifetime;
        _server = server;
        _registry = registry;
        _logger = loggerFactory.CreateLogger("Http2Features.Connection");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = _lifetime.ApplicationStarted.Register(static s => ((SeamStartupCheck)s!).Check(), this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    internal IReadOnlyList<string> FindEndpointsWithoutSeam()
    {
        var missing = new List<string>();
        if (!_server.GetType().FullName!.Contains("Kestrel", StringComparison.Ordinal))
        {
            return missing;
        }

        var addresses = _server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null)
        {
            return missing;
        }

        var withSeam = _registry.Snapshot();
        foreach (var address in addresses)
        {
            BindingAddress parsed;
            try
            {
                parsed = BindingAddress.Parse(address);
            }
            catch (FormatException)
            {
                continue;
            }

            if (!parsed.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase) && !parsed.Scheme.Equals("http", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!withSeam.Any(lo => IsSameEndpoint(lo.EndPoint, parsed)))
            {
                missing.Add(address);
            }
        }

        return missing;
    }

    // Kestrel lists each bound endpoint by a display address: a unix socket by its path, a named pipe by its
    // name, an IP endpoint by its port (localhost and any-address binds are one ListenOptions on several
    // addresses of one port, so the port is what identifies the endpoint).
    private static bool IsSameEndpoint(EndPoint? endPoint, BindingAddress address)
    {
        if (address.IsUnixPipe)
        {
            return endPoint is UnixDomainSocketEndPoint unix && string.Equals(unix.ToString(), address.UnixPipePath, StringComparison.Ordinal);
        }

        if (address.IsNamedPipe)
        {
            return endPoint is NamedPipeEndPoint pipe && string.Equals(pipe.PipeName, address.NamedPipeName, StringComparison.OrdinalIgnoreCase);
        }

        return endPoint is IPEndPoint ip && ip.Port == address.Port;
    }

    private void Check()
    {
        try
        {
            foreach (var address in FindEndpointsWithoutSeam())
            {
                SeamLog.EndpointWithoutSeam(_logger, address);
            }
        }
#pragma warning disable CA1031 // A diagnostic must never take the app down.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
