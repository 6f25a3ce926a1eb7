using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Http2Features.Trailers;

/// <summary>What a per-request trailers feature needs from DI, resolved once.</summary>
internal sealed class TrailersServices
{
    public static readonly TrailersServices Default = new(new TrailersOptions(), NullLogger.Instance, metrics: null);

    private readonly IOptionsMonitor<Http2FeaturesOptions>? _monitor;
    private readonly TrailersOptions? _fixed;

    public TrailersServices(IOptionsMonitor<Http2FeaturesOptions> monitor, ILoggerFactory loggerFactory, TrailersMetrics metrics)
    {
        _monitor = monitor;
        Logger = loggerFactory.CreateLogger("Http2Features.Trailers");
        Metrics = metrics;
    }

    private TrailersServices(TrailersOptions options, ILogger logger, TrailersMetrics? metrics)
    {
        _fixed = options;
        Logger = logger;
        Metrics = metrics;
    }

    public TrailersOptions Options => _fixed ?? _monitor!.CurrentValue.Trailers;

    public ILogger Logger { get; }

    public TrailersMetrics? Metrics { get; }
}

/// <summary>Registration of the trailers capability, called once from <c>AddHttp2Features</c>.</summary>
internal static class TrailersServiceCollectionExtensions
{
    internal static IServiceCollection AddHttp2Trailers(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<TrailersMetrics>();
        services.TryAddSingleton<TrailersServices>();

        // Runs the producers named by endpoint metadata when routing selects such an endpoint.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, TrailerProducerMatcherPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Http2FeaturesOptions>, TrailersOptionsValidator>());
        return services;
    }
}

/// <summary>Start-up validation of <see cref="TrailersOptions"/>.</summary>
internal sealed class TrailersOptionsValidator : IValidateOptions<Http2FeaturesOptions>
{
    public ValidateOptionsResult Validate(string? name, Http2FeaturesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var policy = options.Trailers.UndeclaredTrailerPolicy;
        return Enum.IsDefined(policy)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Http2Features:Trailers:UndeclaredTrailerPolicy is {(int)policy}; use Allow, Warn or Throw.");
    }
}
