using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>
/// After Kestrel starts, names each HTTPS endpoint that has no seam (for example a <c>Listen</c> call made
/// before the pack's defaults were in place, without <c>UseHttp2Features()</c>) with the one-line fix.
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

            if (!parsed.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!withSeam.Any(lo => lo.IPEndPoint?.Port == parsed.Port))
            {
                missing.Add(address);
            }
        }

        return missing;
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
