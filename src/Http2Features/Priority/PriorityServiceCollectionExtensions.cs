using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Http2Features.Priority;

/// <summary>Registers stream priority: the middleware that puts the feature on every request.</summary>
internal static class PriorityServiceCollectionExtensions
{
    internal static IServiceCollection AddHttp2Priority(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, StreamPriorityStartupFilter>());
        return services;
    }
}
