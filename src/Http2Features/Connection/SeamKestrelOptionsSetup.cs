using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Connection;

/// <summary>
/// Installs the seam on every endpoint: through Kestrel's endpoint defaults for <c>Kestrel:Endpoints</c>
/// configuration, URLs (ASPNETCORE_URLS, --urls, UseUrls) and later <c>Listen</c> calls, and directly on the
/// endpoints earlier <c>Listen</c> calls created (after all configuration ran, so none is missed).
/// The defaults are applied before Kestrel adds TLS to those endpoints, which
/// <see cref="SeamConnectionContext"/> handles by wrapping the transport TLS installs. The pack chains onto
/// the app's own <c>ConfigureEndpointDefaults</c> action rather than replacing it, both when options are
/// configured (so the app's later <c>Listen</c> calls are covered) and after (so an app that sets its own
/// defaults later still keeps the seam).
/// </summary>
internal sealed class SeamKestrelOptionsSetup : IConfigureOptions<KestrelServerOptions>, IPostConfigureOptions<KestrelServerOptions>
{
    private readonly ILogger _logger;

    public SeamKestrelOptionsSetup(ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger("Http2Features.Connection");
    }

    public void Configure(KestrelServerOptions options) => Ensure(options);

    public void PostConfigure(string? name, KestrelServerOptions options)
    {
        Ensure(options);
        try
        {
            // Once per endpoint, and never on top of an explicit UseHttp2Features(); works before or after UseHttps.
            foreach (var listenOptions in KestrelInternals.GetCodeBackedListenOptions(options))
            {
                listenOptions.UseHttp2FeaturesAutomatically();
            }
        }
        catch (MissingMethodException ex)
        {
            SeamLog.EndpointDefaultsUnavailable(_logger, ex);
        }
    }

    private void Ensure(KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Action<ListenOptions> current;
        try
        {
            current = KestrelInternals.GetEndpointDefaults(options);
        }
        catch (MissingMethodException ex)
        {
            // Replacing the app's defaults blindly would silently drop its configuration: stand aside.
            SeamLog.EndpointDefaultsUnavailable(_logger, ex);
            return;
        }

        if (current?.Target is ChainedDefaults)
        {
            return;
        }

        options.ConfigureEndpointDefaults(new ChainedDefaults(current).Apply);
    }

    private sealed class ChainedDefaults(Action<ListenOptions>? previous)
    {
        public void Apply(ListenOptions listenOptions)
        {
            previous?.Invoke(listenOptions);
            listenOptions.UseHttp2FeaturesAutomatically();
        }
    }
}
