using Http2Features.EarlyHints.Automatic;
using Microsoft.AspNetCore.Hosting;
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
