using Http2Features;
using Http2Features.Connection;
using Http2Features.EarlyHints;
using Http2Features.Priority;
using Http2Features.Scheduling;
using Http2Features.Trailers;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The entry point of the pack: <c>builder.Services.AddHttp2Features()</c>.
/// </summary>
public static class Http2FeaturesServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Http2Features services with default options.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddHttp2Features(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        // Each capability registers its own services and its IValidateOptions<Http2FeaturesOptions>;
        // ValidateOnStart runs them all when the host starts.
        services.AddOptions<Http2FeaturesOptions>().ValidateOnStart();
        services.AddHttp2ConnectionSeam();   // the seam, and with it stream priority
        services.AddHttp2Priority();         // the priority feature on every request
        services.AddHttp2Scheduling();       // acting on it (opt-in): admission, response scheduling
        services.AddHttp2EarlyHints();
        services.AddHttp2Trailers();

        return services;
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
    /// Adds the Http2Features services and binds their options from a configuration section
    /// (for example <c>builder.Configuration.GetSection("Http2Features")</c>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section to bind <see cref="Http2FeaturesOptions"/> from.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddHttp2Features(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddHttp2Features();
        services.Configure<Http2FeaturesOptions>(configuration);
        return services;
    }
}
