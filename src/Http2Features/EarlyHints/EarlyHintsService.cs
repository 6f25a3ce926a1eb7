using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Http2Features.EarlyHints;

/// <summary>Shared per-application state of the capability: options, metrics and logs.</summary>
internal sealed partial class EarlyHintsService
{
    public const string ResponsesInstrumentName = "http2features.early_hints.responses";

    private readonly IOptionsMonitor<Http2FeaturesOptions> _options;
    private readonly ILogger _logger;
    private readonly Counter<long> _responses;
    // The unregistered services of apps that never called AddHttp2Features(), one per app (keyed by its logger factory).
    private static readonly ConditionalWeakTable<object, EarlyHintsService> UnregisteredByApp = [];
    private static readonly object NoServices = new();

    private readonly bool _registered;
    private int _noSeamWarned;

    // IOptionsMonitor.CurrentValue is a dictionary lookup per call; every 103 and every request through
    // UseAutomaticEarlyHints() reads the options. Read once, dropped on reload. Not read in the constructor:
    // invalid options are ValidateOnStart's to report, not DI's.
    private volatile Http2FeaturesOptions? _current;

    public EarlyHintsService(IOptionsMonitor<Http2FeaturesOptions> options, IMeterFactory meterFactory, ILoggerFactory loggerFactory)
        : this(options, meterFactory, loggerFactory, registered: true)
    {
    }

    private EarlyHintsService(IOptionsMonitor<Http2FeaturesOptions> options, IMeterFactory meterFactory, ILoggerFactory loggerFactory, bool registered)
    {
        _registered = registered;
        _options = options;
        _ = options.OnChange((_, _) => _current = null);
        // One category per capability, like Http2Features.Trailers and Http2Features.Connection.
        _logger = loggerFactory.CreateLogger("Http2Features.EarlyHints");
        // One instrument per outcome family (OpenTelemetry): error.type says why a 103 was not sent.
        _responses = Http2FeaturesMeter.Create(meterFactory).CreateCounter<long>(
            ResponsesInstrumentName,
            unit: "{response}",
            description: "103 Early Hints responses asked for; error.type (disabled, http10_client, no_connection_seam, timeout, ...) when one was not sent.");
    }

    public EarlyHintsOptions Options => (_current ??= _options.CurrentValue).EarlyHints;

    // Links recorded by any request's early hints feature for learning, ever. UseAutomaticEarlyHints() reads it before
    // and after the app: unchanged means this request recorded none, and the feature lookup (which walks Kestrel's
    // request and connection features when there is no feature) is skipped on the miss path.
    private long _linksRecorded;

    /// <summary>How many times a request recorded links it sent itself, for learning (see <see cref="OnLinksRecorded"/>).</summary>
    internal long LinksRecorded => Volatile.Read(ref _linksRecorded);   // read per request: no locked instruction (64-bit reads are atomic here)

    /// <summary>A request's early hints feature recorded links the app sent, for <c>UseAutomaticEarlyHints()</c> to learn.</summary>
    internal void OnLinksRecorded() => Interlocked.Increment(ref _linksRecorded);

    /// <summary>
    /// The service of an app without <c>AddHttp2Features()</c>: default options, the app's logger and meter factories when
    /// it has them, one per app so warning 6003 is still logged once. A connection with an explicit
    /// <c>ListenOptions.UseHttp2Features()</c> still gets its 103; any other reports <see cref="EarlyHintsStatus.NoConnectionSeam"/>.
    /// </summary>
    public static EarlyHintsService Unregistered(IServiceProvider? services)
    {
        var loggerFactory = services?.GetService<ILoggerFactory>();
        return UnregisteredByApp.GetValue(loggerFactory ?? NoServices, _ => new EarlyHintsService(
            new DefaultOptionsMonitor(),
            services?.GetService<IMeterFactory>() ?? new StandaloneMeterFactory(),
            loggerFactory ?? NullLoggerFactory.Instance,
            registered: false));
    }

    public ILogger Logger => _logger;

    public void Record(EarlyHintsResult result, string protocol, int fieldCount, string connectionId)
    {
        // OpenTelemetry's network.protocol.version: "1.1", "2", ... like Kestrel's own metrics.
        var protocolTag = new KeyValuePair<string, object?>(Http2FeaturesMeter.NetworkProtocolVersion, ProtocolVersion(protocol));
        if (result.IsSent)
        {
            _responses.Add(1, protocolTag);
            LogSent(_logger, fieldCount, protocol, connectionId);
            return;
        }

        _responses.Add(1, protocolTag, new KeyValuePair<string, object?>(Http2FeaturesMeter.ErrorType, ErrorType(result.Status)));
        if (result.Status == EarlyHintsStatus.NoConnectionSeam && Interlocked.Exchange(ref _noSeamWarned, 1) == 0)
        {
            LogNoSeam(_logger, connectionId, _registered
                ? "Call ListenOptions.UseHttp2Features() after UseHttps() in the Listen callback."
                : "Call builder.Services.AddHttp2Features(), which installs it on every Kestrel endpoint.");
        }
        else
        {
            LogNotSent(_logger, result.Status, protocol, connectionId);
        }
    }

    internal static string ProtocolVersion(string protocol) => protocol switch
    {
        "HTTP/1.1" => "1.1",
        "HTTP/2" => "2",
        "HTTP/1.0" => "1.0",
        "HTTP/3" => "3",
        _ => protocol,
    };

    internal static string ErrorType(EarlyHintsStatus status) => status switch
    {
        EarlyHintsStatus.Disabled => "disabled",
        EarlyHintsStatus.Http10Client => "http10_client",
        EarlyHintsStatus.UnsupportedProtocol => "unsupported_protocol",
        EarlyHintsStatus.NoConnectionSeam => "no_connection_seam",
        EarlyHintsStatus.ResponseStarted => "response_started",
        EarlyHintsStatus.RequestAborted => "request_aborted",
        EarlyHintsStatus.ConnectionClosed => "connection_closed",
        EarlyHintsStatus.Timeout => "timeout",
        EarlyHintsStatus.HeaderTableSizeChangePending => "header_table_size_change_pending",
        _ => "_OTHER", // OpenTelemetry's fallback value; Sent never gets an error.type
    };

    [LoggerMessage(EventId = Http2FeaturesEventIds.EarlyHints.EarlyHintsSent, EventName = nameof(Http2FeaturesEventIds.EarlyHints.EarlyHintsSent), Level = LogLevel.Debug, Message = "Sent 103 Early Hints with {FieldCount} field(s) over {Protocol} on connection {ConnectionId}.")]
    private static partial void LogSent(ILogger logger, int fieldCount, string protocol, string connectionId);

    [LoggerMessage(EventId = Http2FeaturesEventIds.EarlyHints.EarlyHintsNotSent, EventName = nameof(Http2FeaturesEventIds.EarlyHints.EarlyHintsNotSent), Level = LogLevel.Debug, Message = "103 Early Hints not sent ({Reason}) over {Protocol} on connection {ConnectionId}.")]
    private static partial void LogNotSent(ILogger logger, EarlyHintsStatus reason, string protocol, string connectionId);

    [LoggerMessage(EventId = Http2FeaturesEventIds.EarlyHints.EarlyHintsNoConnectionSeam, EventName = nameof(Http2FeaturesEventIds.EarlyHints.EarlyHintsNoConnectionSeam), Level = LogLevel.Warning, Message = "103 Early Hints cannot be sent on connection {ConnectionId}: its endpoint has no Http2Features connection middleware. {Remedy} (Logged once.)")]
    private static partial void LogNoSeam(ILogger logger, string connectionId, string remedy);

    /// <summary>Default <see cref="Http2FeaturesOptions"/> for an app that registered none.</summary>
    private sealed class DefaultOptionsMonitor : IOptionsMonitor<Http2FeaturesOptions>
    {
        public Http2FeaturesOptions CurrentValue { get; } = new();

        public Http2FeaturesOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<Http2FeaturesOptions, string?> listener) => null;
    }

    /// <summary>Meters for an app without a service provider (a bare <c>DefaultHttpContext</c>); kept for the process.</summary>
    private sealed class StandaloneMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
