using Http2Features.Connection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Http2Features.Priority;

/// <summary>Registers stream priority (its per-connection state and metrics); called once from <c>AddHttp2Features()</c>.</summary>
internal static class PriorityServiceCollectionExtensions
{
    public static IServiceCollection AddHttp2StreamPriority(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<PriorityMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionSeamCapability, StreamPriorityCapability>());
        return services;
    }
}
