using System.Net;
using System.Net.Security;
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

/// <summary>
/// Something the binder has to tell the user at start-up. The settings load before there is a logger, so each
/// diagnostic keeps the call of its own <see cref="GunicornLog"/> event (id, name, structured template) and is logged
/// once when the host starts.
/// </summary>
internal sealed class GunicornDiagnostic(Action<ILogger> log)
{
    public void Log(ILogger logger) => log(logger);
}

/// <summary>Where to listen: the bind entries, the embedded default, or the app's own endpoints.</summary>
/// <param name="Binds">The endpoints the binder creates.</param>
/// <param name="UsesEmbeddedDefault">Whether <paramref name="Binds"/> is the embedded default.</param>
/// <param name="AppEndpoints">No bind: the app's own endpoints, which get the TLS and protocol settings as Kestrel's endpoint defaults.</param>
internal sealed record ListenSettings(IReadOnlyList<BindAddress> Binds, bool UsesEmbeddedDefault, AppEndpoints? AppEndpoints = null)
{
    public static ListenSettings None { get; } = new([], false);
}

/// <summary>TLS for the endpoints the binder creates (certfile, keyfile, cert_reqs, ca_certs, ciphers).</summary>
internal sealed record TlsSettings(
    X509Certificate2? Certificate,
    X509Certificate2Collection? CertificateChain,
    ClientCertificateMode ClientCertificateMode,
    X509Certificate2Collection? ClientCertificateAuthorities,
    IReadOnlyList<TlsCipherSuite>? CipherSuites)
{
    public static TlsSettings None { get; } = new(null, null, ClientCertificateMode.NoCertificate, null, null);

    public bool Enabled => Certificate is not null;
}

/// <summary>The endpoint protocols (http_protocols, http2_cleartext, worker_class, TLS).</summary>
/// <param name="Protocols">What each binder endpoint serves.</param>
/// <param name="AlpnOrder">The server's ALPN preference (TLS endpoints).</param>
/// <param name="Cleartext">gunicorn's http2_cleartext as given.</param>
/// <param name="PriorKnowledgeForTrustedPeersOnly">
/// h2 and h1 on a cleartext endpoint with prior knowledge: peers in forwarded_allow_ips get h2c, everyone else
/// HTTP/1.1 (gunicorn's rule).
/// </param>
internal sealed record ProtocolSettings(HttpProtocols Protocols, IReadOnlyList<SslApplicationProtocol> AlpnOrder, Http2Cleartext Cleartext, bool PriorKnowledgeForTrustedPeersOnly);

/// <summary>Kestrel limits (HTTP/2 SETTINGS, request size limits, keep-alive, connection count).</summary>
internal sealed record LimitSettings(
    int? MaxConcurrentStreams,
    int? InitialWindowSize,
    int? MaxFrameSize,
    int? MaxHeaderListSize,
    int? KeepAliveSeconds,
    bool KeepAliveOff,
    int? RequestLine,
    int? RequestFields,
    int? RequestFieldSize,
    int? WorkerConnections)
{
    public static LimitSettings None { get; } = new(null, null, null, null, null, false, null, null, null, null);
}

/// <summary>
/// forwarded_allow_ips: the peers trusted for X-Forwarded-Proto and for cleartext HTTP/2 with prior knowledge.
/// Unix-socket peers are always trusted, as in gunicorn.
/// </summary>
/// <param name="Proxies">Trusted single addresses.</param>
/// <param name="Networks">Trusted CIDR networks.</param>
/// <param name="TrustAll">forwarded_allow_ips = "*".</param>
/// <param name="Configured">Whether a source set forwarded_allow_ips (only then are forwarded headers applied).</param>
internal sealed record ForwardingSettings(IReadOnlyList<IPAddress> Proxies, IReadOnlyList<System.Net.IPNetwork> Networks, bool TrustAll, bool Configured)
{
    /// <summary>gunicorn's default: <c>127.0.0.1,::1</c>.</summary>
    public static ForwardingSettings Default { get; } = new([IPAddress.Loopback, IPAddress.IPv6Loopback], [], false, false);

    /// <summary>Whether a peer is trusted; a null address (a unix socket) is, as in gunicorn.</summary>
    public bool IsTrusted(IPAddress? peer)
    {
        if (TrustAll || peer is null)
        {
            return true;
        }

        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }

        foreach (var proxy in Proxies)
        {
            if (proxy.Equals(peer))
            {
                return true;
            }
        }

        foreach (var network in Networks)
        {
            if (network.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>loglevel, accesslog, access_log_format and errorlog.</summary>
/// <param name="Level">The minimum level loglevel sets, or null.</param>
/// <param name="AccessLog"><c>-</c> for stdout, otherwise a file path.</param>
/// <param name="AccessLogFormat">The parsed <c>access_log_format</c> (gunicorn's default when unset); used when <paramref name="AccessLog"/> is set.</param>
/// <param name="ErrorLog">gunicorn's <c>errorlog</c>: <c>-</c> for stderr, otherwise a file path; null leaves ASP.NET Core's logging alone.</param>
internal sealed record LoggingSettings(LogLevel? Level, string? AccessLog, AccessLogFormat? AccessLogFormat = null, string? ErrorLog = null)
{
    public static LoggingSettings None { get; } = new(null, null);
}

/// <summary>Process-level settings: graceful_timeout, backlog, raw_env (workers/threads/timeout are reported, not applied).</summary>
internal sealed record ProcessSettings(int? GracefulTimeoutSeconds, int? Backlog, IReadOnlyList<KeyValuePair<string, string>> Environment)
{
    public static ProcessSettings None { get; } = new(null, null, []);
}

/// <summary>The merged, typed and validated gunicorn settings, one record per concern.</summary>
internal sealed class GunicornSettings
{
    /// <summary>The final raw value of each setting with its source (after precedence).</summary>
    public IReadOnlyDictionary<string, RawSetting> Values { get; init; } = new Dictionary<string, RawSetting>();

    public ListenSettings Listen { get; init; } = ListenSettings.None;

    public TlsSettings Tls { get; init; } = TlsSettings.None;

    public ProtocolSettings Protocols { get; init; } = new(HttpProtocols.Http1AndHttp2, [], Http2Cleartext.Off, false);

    public LimitSettings Limits { get; init; } = LimitSettings.None;

    public ForwardingSettings Forwarding { get; init; } = ForwardingSettings.Default;

    public ProxyProtocolSettings ProxyProtocol { get; init; } = ProxyProtocolSettings.Off;

    public LoggingSettings Logging { get; init; } = LoggingSettings.None;

    public ProcessSettings Process { get; init; } = ProcessSettings.None;

    /// <summary>The source of a setting, for log messages ("embedded default" when unset).</summary>
    public SettingSource SourceOf(string name) => Values.TryGetValue(name, out var raw) ? raw.Source : SettingSource.Default;
}

/// <summary>The outcome of loading: settings when valid, every error otherwise, and diagnostics either way.</summary>
internal sealed record GunicornLoadResult(GunicornSettings? Settings, IReadOnlyList<SettingError> Errors, IReadOnlyList<GunicornDiagnostic> Diagnostics)
{
    /// <summary>The errors as the one-line messages users see.</summary>
    public IReadOnlyList<string> ErrorMessages => Errors.Select(e => e.ToString()).ToList();
}
