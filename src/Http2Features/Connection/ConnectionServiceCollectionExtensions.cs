using Http2Features.Connection.ProxyProtocol;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Http2Features.Connection;

/// <summary>Registers the connection seam; capabilities add their <see cref="IConnectionSeamCapability"/> themselves.</summary>
internal static class ConnectionServiceCollectionExtensions
{
    internal static IServiceCollection AddHttp2ConnectionSeam(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<SeamEndpointRegistry>();
        services.TryAddSingleton<ProxyProtocolMetrics>(); // read by UseProxyProtocol endpoints when present
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, SeamKestrelOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<KestrelServerOptions>, SeamKestrelOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SeamStartupCheck>());
        return services;
    }
}
