using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Scheduling;

/// <summary>Registers response scheduling and admission by urgency; called once from <c>AddHttp2Features()</c>.</summary>
internal static class SchedulingServiceCollectionExtensions
{
    public static IServiceCollection AddHttp2Scheduling(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<SchedulingMetrics>();
        services.TryAddSingleton(static sp => new UrgencyConcurrencyLimiter(
            sp.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value.Priority.Admission,
            sp.GetRequiredService<SchedulingMetrics>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Http2FeaturesOptions>, PriorityOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, SchedulingStartupFilter>());
        return services;
    }
}

/// <summary>
/// Adds admission and then scheduling at the start of the pipeline,
/// only when enabled: with both off the pipeline is exactly what it was.
/// </summary>
internal sealed class SchedulingStartupFilter(IOptions<Http2FeaturesOptions> options, SchedulingMetrics metrics, ILoggerFactory loggerFactory) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
        app =>
        {
            var priority = options.Value.Priority;
            var logger = loggerFactory.CreateLogger("Http2Features.Scheduling");
            if (priority.Admission.Enabled)
            {
                var limiter = app.ApplicationServices.GetRequiredService<UrgencyConcurrencyLimiter>();
                app.Use(next => new PriorityAdmissionMiddleware(next, limiter, logger).InvokeAsync);
            }

            if (priority.Scheduling.Enabled)
            {
                app.Use(next => new ResponseSchedulingMiddleware(next, priority.Scheduling, metrics, logger).InvokeAsync);
            }

            next(app);
        };
}

/// <summary>Validates <see cref="PriorityOptions"/> at start-up (<c>ValidateOnStart</c> on <see cref="Http2FeaturesOptions"/>).</summary>
internal sealed class PriorityOptionsValidator : IValidateOptions<Http2FeaturesOptions>
{
    public ValidateOptionsResult Validate(string? name, Http2FeaturesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        options.Priority.Scheduling.Validate(failures);
        options.Priority.Admission.Validate(failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
