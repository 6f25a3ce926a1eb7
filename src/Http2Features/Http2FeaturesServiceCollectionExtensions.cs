using Http2Features;
using Http2Features.Connection;
using Http2Features.EarlyHints;
using Http2Features.Priority;
using Http2Features.Scheduling;
using Http2Features.Trailers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The entry point of the pack: <c>builder.Services.AddHttp2Features()</c>.
/// </summary>
public static class Http2FeaturesServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Http2Features services, with options bound from the app's <c>Http2Features</c> configuration
    /// section (<see cref="Http2FeaturesOptions.SectionName"/>, e.g. in appsettings.json) and validated at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddHttp2Features(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddCore(services);
        // The default section, unless AddHttp2Features(section) named another one. Bound from the IConfiguration
        // in DI when there is one (a host always has it; a bare ServiceCollection in a unit test may not).
        if (!services.Any(d => d.ServiceType == typeof(IConfigureOptions<Http2FeaturesOptions>) && d.ImplementationInstance is ExplicitSectionBinding))
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<Http2FeaturesOptions>, DefaultSectionBinding>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IOptionsChangeTokenSource<Http2FeaturesOptions>, DefaultSectionBinding>());
        }

        return services;
    }

    private static void AddCore(IServiceCollection services)
    {
        // Each capability registers its own services and its IValidateOptions<Http2FeaturesOptions>;
        // ValidateOnStart runs them all when the host starts.
        services.AddOptions<Http2FeaturesOptions>().ValidateOnStart();
        services.AddHttp2ConnectionSeam();   // the seam
        services.AddHttp2StreamPriority();   // stream priority, on every seam connection
        services.AddHttp2Scheduling();       // acting on priority (opt-in): admission, response scheduling
        services.AddHttp2EarlyHints();
        services.AddHttp2Trailers();
    }

    /// <summary>
    /// Adds the Http2Features services and configures their options in code.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="Http2FeaturesOptions"/>.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddHttp2Features(this IServiceCollection services, Action<Http2FeaturesOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddHttp2Features();
        services.Configure(configure);
        return services;
    }

    /// <summary>
    /// Adds the Http2Features services and binds their options from the given configuration section instead of
    /// the default <c>Http2Features</c> section (for example <c>builder.Configuration.GetSection("Server:Http2")</c>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section to bind <see cref="Http2FeaturesOptions"/> from.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddHttp2Features(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.RemoveAll(typeof(IConfigureOptions<Http2FeaturesOptions>), typeof(DefaultSectionBinding));
        services.RemoveAll(typeof(IOptionsChangeTokenSource<Http2FeaturesOptions>), typeof(DefaultSectionBinding));
        var binding = new ExplicitSectionBinding(configuration);
        services.AddSingleton<IConfigureOptions<Http2FeaturesOptions>>(binding);
        services.AddSingleton<IOptionsChangeTokenSource<Http2FeaturesOptions>>(binding);
        AddCore(services);
        return services;
    }

    private static void RemoveAll(this IServiceCollection services, Type serviceType, Type implementationType)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == serviceType && services[i].ImplementationType == implementationType)
            {
                services.RemoveAt(i);
            }
        }
    }

    /// <summary>Binds the <c>Http2Features</c> section of the app's configuration (reloads with it).</summary>
    private sealed class DefaultSectionBinding(IServiceProvider services) : IConfigureOptions<Http2FeaturesOptions>, IOptionsChangeTokenSource<Http2FeaturesOptions>
    {
        private static readonly IChangeToken NeverChanges = new CancellationChangeToken(CancellationToken.None);

        private IConfiguration? Section => services.GetService<IConfiguration>()?.GetSection(Http2FeaturesOptions.SectionName);

        public string? Name => Options.Options.DefaultName;

        public void Configure(Http2FeaturesOptions options)
        {
            if (Section is { } section)
            {
                section.Bind(options);
            }
        }

        public IChangeToken GetChangeToken() => Section?.GetReloadToken() ?? NeverChanges;
    }

    /// <summary>Binds the section passed to <c>AddHttp2Features(section)</c>.</summary>
    private sealed class ExplicitSectionBinding(IConfiguration section) : IConfigureOptions<Http2FeaturesOptions>, IOptionsChangeTokenSource<Http2FeaturesOptions>
    {
        public string? Name => Options.Options.DefaultName;

        public void Configure(Http2FeaturesOptions options) => section.Bind(options);

        public IChangeToken GetChangeToken() => section.GetReloadToken();
    }
}
