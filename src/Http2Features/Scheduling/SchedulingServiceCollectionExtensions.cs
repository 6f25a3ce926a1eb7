using Http2Features.Connection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<KestrelServerOptions>, SchedulingBufferSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<SocketTransportOptions>, SchedulingBufferSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionSeamCapability, SchedulingCapability>());
        return services;
    }
}

/// <summary>
/// With scheduling on, lowers the two 64 KiB buffers below the scheduler to <see cref="ResponseSchedulingOptions.ResponseBufferSize"/>,
/// only where the app kept Kestrel's defaults (an app's own value always stands). On a 20 Mbit/s link this took the urgent
/// response beside a download from 2.3x to 1.7x its time alone (docs/http2.md, bench/priority-shaped-link.sh).
/// </summary>
internal sealed class SchedulingBufferSetup(IOptions<Http2FeaturesOptions> options) : IPostConfigureOptions<KestrelServerOptions>, IPostConfigureOptions<SocketTransportOptions>
{
    // Kestrel's defaults (KestrelServerLimits.MaxResponseBufferSize, SocketTransportOptions.MaxWriteBufferSize), pinned by a test.
    internal const long KestrelDefault = 64 * 1024;

    public void PostConfigure(string? name, KestrelServerOptions kestrel)
    {
        if (Size() is { } size && kestrel.Limits.MaxResponseBufferSize == KestrelDefault)
        {
            kestrel.Limits.MaxResponseBufferSize = size;
        }
    }

    public void PostConfigure(string? name, SocketTransportOptions socket)
    {
        if (Size() is { } size && socket.MaxWriteBufferSize == KestrelDefault)
        {
            socket.MaxWriteBufferSize = size;
        }
    }

    private long? Size()
    {
        ResponseSchedulingOptions scheduling;
        try
        {
            scheduling = options.Value.Priority.Scheduling;
        }
        catch (OptionsValidationException)
        {
            // Invalid options: ValidateOnStart reports them when the host starts; the transport's options must not fail first.
            return null;
        }

        return scheduling.Enabled && scheduling.ResponseBufferSize > 0 ? scheduling.ResponseBufferSize : null;
    }
}

/// <summary>
/// Adds admission and then scheduling at the start of the pipeline,
/// only when enabled: with both off the pipeline is exactly what it was.
/// </summary>
internal sealed class SchedulingStartupFilter(IOptions<Http2FeaturesOptions> options, ILoggerFactory loggerFactory) : IStartupFilter
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
                app.Use(next => new ResponseSchedulingMiddleware(next, priority.Scheduling, logger).InvokeAsync);
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

/// <summary>
/// When scheduling is enabled, gives every seam connection its <see cref="ConnectionScheduler"/>, subscribed to the
/// seam's stream output port and put on the connection's features for <see cref="ResponseSchedulingMiddleware"/>.
/// </summary>
internal sealed class SchedulingCapability(IOptions<Http2FeaturesOptions> options, SchedulingMetrics metrics) : IConnectionSeamCapability
{
    public void OnConnectionStarted(IConnectionSeam seam, IFeatureCollection connectionFeatures, SeamEndpointLimits endpoint)
    {
        var scheduling = options.Value.Priority.Scheduling;
        if (!scheduling.Enabled)
        {
            return;
        }

        var scheduler = new ConnectionScheduler(scheduling, metrics);
        seam.Subscribe(scheduler);
        connectionFeatures.Set(scheduler);
    }
}
