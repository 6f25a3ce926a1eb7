using Http2Features.Connection;
using Http2Features.EarlyHints.Automatic;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Http2Features.EarlyHints;

/// <summary>Registers the EarlyHints capability; called once from <c>AddHttp2Features()</c>.</summary>
internal static class EarlyHintsServiceCollectionExtensions
{
    public static IServiceCollection AddHttp2EarlyHints(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<EarlyHintsService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionSeamCapability, EarlyHintsCapability>());

        // Declared and learned hints: the middleware is added by app.UseAutomaticEarlyHints().
        services.TryAddSingleton<LearnedHintsStore>();
        services.TryAddSingleton<AutomaticEarlyHintsMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, AutomaticEarlyHintsStartupFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Http2FeaturesOptions>, EarlyHintsOptionsValidator>());
        return services;
    }
}

/// <summary>Validates <see cref="EarlyHintsOptions"/> at start-up (<c>ValidateOnStart</c> on <see cref="Http2FeaturesOptions"/>).</summary>
internal sealed class EarlyHintsOptionsValidator : IValidateOptions<Http2FeaturesOptions>
{
    public ValidateOptionsResult Validate(string? name, Http2FeaturesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        options.EarlyHints.Validate(failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Puts the app's <see cref="EarlyHintsService"/> on every seam connection's features, where a request's first
/// <c>SendEarlyHintsAsync</c> finds it. Resolving it from <c>HttpContext.RequestServices</c> instead would create the
/// request's DI scope for an endpoint that never asked for one (in a profile of the load app's <c>/hints</c>, 1.7 % of
/// the server's CPU).
/// </summary>
internal sealed class EarlyHintsCapability(EarlyHintsService service) : IConnectionSeamCapability
{
    public void OnConnectionStarted(IConnectionSeam seam, IFeatureCollection connectionFeatures, SeamEndpointLimits endpoint) =>
        connectionFeatures.Set(service);
}
