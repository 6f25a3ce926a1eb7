using Http2Features.Connection.ProxyProtocol;
using Http2Features.Priority;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Http2Features.Connection;

/// <summary>Registers the connection seam (and with it stream priority, which needs no services of its own).</summary>
internal static class ConnectionServiceCollectionExtensions
{
    internal static IServiceCollection AddHttp2ConnectionSeam(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<PriorityMetrics>();
        services.TryAddSingleton<SeamEndpointRegistry>();
        services.TryAddSingleton<ProxyProtocolMetrics>(); // read by UseProxyProtocol endpoints when present
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, SeamKestrelOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<KestrelServerOptions>, SeamKestrelOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SeamStartupCheck>());
        return services;
    }
}
