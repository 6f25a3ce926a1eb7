using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Http2Features.Connection;

namespace Http2Features.Configuration;

/// <summary>Applies the gunicorn settings to <see cref="KestrelServerOptions"/>: limits and one endpoint per bind.</summary>
internal sealed class GunicornKestrelSetup(GunicornSettingsProvider provider, ILoggerFactory loggerFactory) :
    IConfigureOptions<KestrelServerOptions>, IPostConfigureOptions<KestrelServerOptions>
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(GunicornLog.Category);

    public void Configure(KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Invalid settings: leave Kestrel alone; GunicornStartupValidator stops start-up with every error and the diagnostics.
        if (provider.TryGetSettings() is not { } s)
        {
            return;
        }

        provider.LogDiagnosticsOnce(_logger);
        ApplyLimits(options.Limits, s);

        if (s.Listen.AppEndpoints is not null)
        {
            ApplyToAppEndpoints(options, s);
        }
        else if (!s.Listen.UsesEmbeddedDefault)
        {
            Listen(options, s);
        }
    }

    /// <summary>
    /// No bind and the app has endpoints of its own (URLs, ports, Kestrel:Endpoints): they get the TLS and protocol
    /// settings through Kestrel's endpoint defaults, which Kestrel applies when it creates them at start.
    /// Chained onto the defaults already set (the app's, the connection seam's), which run after ours and so win.
    /// </summary>
    private static void ApplyToAppEndpoints(KestrelServerOptions options, GunicornSettings s)
    {
        var previousEndpoint = KestrelInternals.GetEndpointDefaults(options);
        var protocols = s.Protocols;
        var forwarding = s.Forwarding;
        var proxyProtocol = s.ProxyProtocol;
        options.ConfigureEndpointDefaults(lo =>
        {
            lo.Protocols = protocols.Protocols;
            if (proxyProtocol.Mode is not null)
            {
                lo.UseProxyProtocol(proxyProtocol.Apply); // endpoint defaults run before Kestrel adds TLS: where the header is read
            }

            if (protocols.PriorKnowledgeForTrustedPeersOnly)
            {
                TrustedPeerCleartext.Use(lo, forwarding);
            }

            previousEndpoint?.Invoke(lo);
        });

        var previousHttps = KestrelInternals.GetHttpsDefaults(options);
        options.ConfigureHttpsDefaults(https =>
        {
            ConfigureHttps(https, s);
            previousHttps?.Invoke(https);
        });
    }

    /// <summary>
    /// The embedded default endpoint is added last, and only when nobody configured endpoints in code
    /// (ConfigureKestrel/UseKestrel callbacks, WebApplicationFactory): those win, as Kestrel's own defaults would yield.
    /// </summary>
    public void PostConfigure(string? name, KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (provider.TryGetSettings() is not { Listen.UsesEmbeddedDefault: true } s)
        {
            return;
        }

        var existing = CountCodeBackedEndpoints(options);
        if (existing > 0)
        {
            var given = TlsAndProtocolSettings.Where(n => s.Values.ContainsKey(n)).ToList();
            if (given.Count == 0)
            {
                GunicornLog.EmbeddedDefaultNotUsed(_logger, GunicornSettingsLoader.EmbeddedDefaultBind, existing);
            }
            else
            {
                GunicornLog.SettingsNotAppliedToCodeEndpoints(_logger, string.Join(", ", given), s.SourceOf(given[0]).Description, existing);
            }

            return;
        }

        var protocols = string.Join(",", s.Protocols.AlpnOrder);
        GunicornLog.EmbeddedDefaultListening(_logger, GunicornSettingsLoader.EmbeddedDefaultBind, protocols);
        Listen(options, s);
    }

    /// <summary>
    /// Endpoints added with Listen* before us, read through the one accessor of that Kestrel internal
    /// (<see cref="KestrelInternals.GetCodeBackedListenOptions"/>, pinned by KestrelInternalsTests).
    /// </summary>
    internal static int CountCodeBackedEndpoints(KestrelServerOptions options) => KestrelInternals.GetCodeBackedListenOptions(options).Count;

    private void ApplyLimits(KestrelServerLimits limits, GunicornSettings s)
    {
        var l = s.Limits;
        Apply(s, "http2_max_concurrent_streams", l.MaxConcurrentStreams, v => limits.Http2.MaxStreamsPerConnection = v, "Http2Limits.MaxStreamsPerConnection");
        Apply(s, "http2_initial_window_size", l.InitialWindowSize, v =>
        {
            limits.Http2.InitialStreamWindowSize = v;
            // The connection window must hold at least one full stream window, or one stream stalls the rest.
            if (limits.Http2.InitialConnectionWindowSize < v)
            {
                limits.Http2.InitialConnectionWindowSize = v;
            }
        }, "Http2Limits.InitialStreamWindowSize (InitialConnectionWindowSize raised to match when smaller)");
        Apply(s, "http2_max_frame_size", l.MaxFrameSize, v => limits.Http2.MaxFrameSize = v, "Http2Limits.MaxFrameSize");
        Apply(s, "http2_max_header_list_size", l.MaxHeaderListSize, v =>
        {
            limits.MaxRequestHeadersTotalSize = v;
            RaiseRequestBuffer(limits, v);
        }, "KestrelServerLimits.MaxRequestHeadersTotalSize (advertised as SETTINGS_MAX_HEADER_LIST_SIZE; MaxRequestBufferSize raised to match when smaller)");
        Apply(s, "keepalive", l.KeepAliveSeconds, v => limits.KeepAliveTimeout = TimeSpan.FromSeconds(v), "KestrelServerLimits.KeepAliveTimeout");
        Apply(s, "limit_request_line", l.RequestLine, v =>
        {
            limits.MaxRequestLineSize = v;
            RaiseRequestBuffer(limits, v);
        }, "KestrelServerLimits.MaxRequestLineSize (MaxRequestBufferSize raised to match when smaller)");
        Apply(s, "limit_request_fields", l.RequestFields, v => limits.MaxRequestHeaderCount = v, "KestrelServerLimits.MaxRequestHeaderCount");
        Apply(s, "limit_request_field_size", l.RequestFieldSize, v =>
        {
            limits.Http2.MaxRequestHeaderFieldSize = v;
            limits.Http3.MaxRequestHeaderFieldSize = v;
        }, "Http2Limits.MaxRequestHeaderFieldSize (HTTP/1.1 has no per-field limit; its headers are bounded by MaxRequestHeadersTotalSize)");
        Apply(s, "worker_connections", l.WorkerConnections, v => limits.MaxConcurrentConnections = v, "KestrelServerLimits.MaxConcurrentConnections (per process)");
    }

    /// <summary>
    /// Kestrel refuses to start when the request line or the header block may be larger than the per-connection
    /// request buffer (MaxRequestBufferSize, 1 MiB by default): the buffer has to hold either whole.
    /// </summary>
    private static void RaiseRequestBuffer(KestrelServerLimits limits, int size)
    {
        if (limits.MaxRequestBufferSize is long buffer && buffer < size)
        {
            limits.MaxRequestBufferSize = size;
        }
    }

    private void Listen(KestrelServerOptions options, GunicornSettings s)
    {
        foreach (var bind in s.Listen.Binds)
        {
            switch (bind.Kind)
            {
                case BindKind.UnixSocket:
                    options.ListenUnixSocket(bind.UnixPath!, lo => ConfigureEndpoint(lo, s));
                    break;
                case BindKind.Localhost:
                    options.ListenLocalhost(bind.Port, lo => ConfigureEndpoint(lo, s));
                    break;
                default:
                    options.Listen(bind.Address!, bind.Port, lo => ConfigureEndpoint(lo, s));
                    break;
            }

            LogListening(bind, s);
        }
    }

    private void LogListening(BindAddress bind, GunicornSettings s)
    {
        var address = bind.ToString();
        var scheme = s.Tls.Enabled ? "https" : "http";
        var protocols = Describe(s);
        var source = s.SourceOf("bind").Description;
        GunicornLog.Listening(_logger, address, scheme, protocols, source);
    }

    private static string Describe(GunicornSettings s) => s.Tls.Enabled
        ? "ALPN " + string.Join(",", s.Protocols.AlpnOrder.Select(p => p.ToString()))
        : s.Protocols.PriorKnowledgeForTrustedPeersOnly
            ? (s.Protocols.AlpnOrder.Contains(SslApplicationProtocol.Http11) ? "h2c (prior knowledge) for peers in forwarded_allow_ips, http/1.1 for the others" : "h2c (prior knowledge) for peers in forwarded_allow_ips")
            : s.Protocols.Protocols == HttpProtocols.Http2 ? "h2c (prior knowledge)" : "http/1.1";

    private void Apply(GunicornSettings s, string name, int? value, Action<int> apply, string target)
    {
        if (value is int v)
        {
            apply(v);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var text = v.ToString(CultureInfo.InvariantCulture);
                var source = s.SourceOf(name).Description;
                GunicornLog.SettingApplied(_logger, name, text, source, target);
            }
        }
    }

    /// <summary>The settings that decide an endpoint's TLS and protocols (warned about when they cannot apply).</summary>
    internal static readonly string[] TlsAndProtocolSettings = ["certfile", "keyfile", "ciphers", "cert_reqs", "ca_certs", "http_protocols", "http2_cleartext"];

    private static void ConfigureEndpoint(ListenOptions listenOptions, GunicornSettings s)
    {
        listenOptions.Protocols = s.Protocols.Protocols;
        if (s.ProxyProtocol.Mode is not null)
        {
            listenOptions.UseProxyProtocol(s.ProxyProtocol.Apply); // the header comes before the TLS handshake
        }

        if (s.Tls.Enabled)
        {
            listenOptions.UseHttps(https => ConfigureHttps(https, s));
        }
        else if (s.Protocols.PriorKnowledgeForTrustedPeersOnly)
        {
            TrustedPeerCleartext.Use(listenOptions, s.Forwarding);
        }

        InstallConnectionSeam(listenOptions);
    }

    private static void ConfigureHttps(HttpsConnectionAdapterOptions https, GunicornSettings s)
    {
        var tls = s.Tls;
        if (tls.Certificate is not null)
        {
            https.ServerCertificate = tls.Certificate;
            https.ServerCertificateChain = tls.CertificateChain;
        }

        https.ClientCertificateMode = tls.ClientCertificateMode;
        if (tls.ClientCertificateAuthorities is { } authorities && tls.ClientCertificateMode != ClientCertificateMode.NoCertificate)
        {
            https.ClientCertificateValidation = (certificate, _, _) => IsIssuedBy(certificate, authorities);
        }

        var alpn = s.Protocols.AlpnOrder;
        var suites = tls.CipherSuites;
        https.OnAuthenticate = (_, ssl) =>
        {
            // Kestrel fills h2 then http/1.1; gunicorn's http_protocols order is the server's preference,
            // and OpenSSL picks by the server's order.
            if (alpn.Count > 0)
            {
                ssl.ApplicationProtocols = new List<SslApplicationProtocol>(alpn);
            }

            if (suites is not null && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            {
                ssl.CipherSuitesPolicy = new CipherSuitesPolicy(suites);
            }
        };
    }

    /// <summary>
    /// The one place where binder-created endpoints get the pack's connection middleware: it must come after
    /// UseHttps so it sees decrypted HTTP/2 frames (see docs/DESIGN: the seam).
    /// </summary>
    private static void InstallConnectionSeam(ListenOptions listenOptions)
    {
        listenOptions.UseHttp2Features();
    }

    private static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }
}
