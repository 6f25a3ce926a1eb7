using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>gunicorn's <c>http2_cleartext</c> values.</summary>
internal enum Http2Cleartext
{
    Off,
    PriorKnowledge,
    Upgrade,
    Both,
}

/// <summary>Event ids of the binder's log messages (also used for the start-up diagnostics).</summary>
internal enum GunicornEvent
{
    SettingApplied = Http2FeaturesEventIds.Configuration.GunicornSettingApplied,
    UnknownSetting = Http2FeaturesEventIds.Configuration.GunicornUnknownSetting,
    ConfigFileStatementIgnored = Http2FeaturesEventIds.Configuration.GunicornConfigFileStatementIgnored,
    SettingIgnored = Http2FeaturesEventIds.Configuration.GunicornSettingIgnored,
    Decision = Http2FeaturesEventIds.Configuration.GunicornDecision,
    Http2NotSupportedByWorker = Http2FeaturesEventIds.Configuration.GunicornHttp2NotSupportedByWorker,
    DevelopmentCertificate = Http2FeaturesEventIds.Configuration.GunicornDevelopmentCertificate,
    EmbeddedDefault = Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefault,
    Listening = Http2FeaturesEventIds.Configuration.GunicornBind,
}

/// <summary>Something the binder has to tell the user at start-up (logged once, with an event id).</summary>
internal sealed record GunicornDiagnostic(GunicornEvent Event, LogLevel Level, string Message);

/// <summary>The merged, typed and validated gunicorn settings; null members were not set by any source.</summary>
internal sealed class GunicornSettings
{
    /// <summary>The final raw value of each setting with its source (after precedence).</summary>
    public IReadOnlyDictionary<string, RawSetting> Values { get; init; } = new Dictionary<string, RawSetting>();

    public IReadOnlyList<BindAddress> Binds { get; init; } = [];

    public bool UsesEmbeddedDefault { get; init; }

    /// <summary>No bind: the app's own endpoints, which get the TLS and protocol settings as Kestrel's endpoint defaults.</summary>
    public AppEndpoints? AppEndpoints { get; init; }

    public X509Certificate2? Certificate { get; init; }

    public X509Certificate2Collection? CertificateChain { get; init; }

    public bool Tls => Certificate is not null;

    public ClientCertificateMode ClientCertificateMode { get; init; } = ClientCertificateMode.NoCertificate;

    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }

    public SslProtocols? SslProtocols { get; init; }

    public IReadOnlyList<TlsCipherSuite>? CipherSuites { get; init; }

    /// <summary>ALPN order the server prefers (after the worker class and TLS rules).</summary>
    public IReadOnlyList<SslApplicationProtocol> AlpnOrder { get; init; } = [];

    public HttpProtocols Protocols { get; init; } = HttpProtocols.Http1AndHttp2;

    public Http2Cleartext Cleartext { get; init; }

    public int? MaxConcurrentStreams { get; init; }

    public int? InitialWindowSize { get; init; }

    public int? MaxFrameSize { get; init; }

    public int? MaxHeaderListSize { get; init; }

    public int? KeepAliveSeconds { get; init; }

    public int? GracefulTimeoutSeconds { get; init; }

    public int? LimitRequestLine { get; init; }

    public int? LimitRequestFields { get; init; }

    public int? LimitRequestFieldSize { get; init; }

    public int? Backlog { get; init; }

    public int? WorkerConnections { get; init; }

    /// <summary>Trusted proxies for X-Forwarded-Proto; an empty pair of lists with <see cref="TrustAllProxies"/> means "*".</summary>
    public IReadOnlyList<IPAddress>? ForwardedAllowProxies { get; init; }

    public IReadOnlyList<System.Net.IPNetwork>? ForwardedAllowNetworks { get; init; }

    public bool TrustAllProxies { get; init; }

    public LogLevel? LogLevel { get; init; }

    /// <summary><c>-</c> for stdout (the logging providers), otherwise a file path.</summary>
    public string? AccessLog { get; init; }

    /// <summary>The parsed <c>access_log_format</c> (gunicorn's default when unset); used when <see cref="AccessLog"/> is set.</summary>
    public AccessLogFormat? AccessLogFormat { get; init; }

    /// <summary>gunicorn's <c>errorlog</c>: <c>-</c> for stderr, otherwise a file path; null leaves ASP.NET Core's logging alone.</summary>
    public string? ErrorLog { get; init; }

    /// <summary>The source of a setting, for log messages ("embedded default" when unset).</summary>
    public SettingSource SourceOf(string name) => Values.TryGetValue(name, out var raw) ? raw.Source : SettingSource.Default;
}

/// <summary>The outcome of loading: settings when valid, every error otherwise, and diagnostics either way.</summary>
internal sealed record GunicornLoadResult(GunicornSettings? Settings, IReadOnlyList<string> Errors, IReadOnlyList<GunicornDiagnostic> Diagnostics);
