using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Configuration;

/// <summary>Applies the gunicorn settings to <see cref="KestrelServerOptions"/>: limits and one endpoint per bind.</summary>
internal sealed class GunicornKestrelSetup(GunicornSettingsProvider provider, ILoggerFactory loggerFactory) :
    IConfigureOptions<KestrelServerOptions>, IPostConfigureOptions<KestrelServerOptions>
{
    private static readonly System.Reflection.PropertyInfo? CodeBackedListenOptions =
        typeof(KestrelServerOptions).GetProperty("CodeBackedListenOptions", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

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
        var limits = options.Limits;

        Apply(s, "http2_max_concurrent_streams", s.MaxConcurrentStreams, v => limits.Http2.MaxStreamsPerConnection = v, "Http2Limits.MaxStreamsPerConnection");
        Apply(s, "http2_initial_window_size", s.InitialWindowSize, v =>
        {
            limits.Http2.InitialStreamWindowSize = v;
            // The connection window must hold at least one full stream window, or one stream stalls the rest.
            if (limits.Http2.InitialConnectionWindowSize < v)
            {
                limits.Http2.InitialConnectionWindowSize = v;
            }
        }, "Http2Limits.InitialStreamWindowSize (InitialConnectionWindowSize raised to match when smaller)");
        Apply(s, "http2_max_frame_size", s.MaxFrameSize, v => limits.Http2.MaxFrameSize = v, "Http2Limits.MaxFrameSize");
        Apply(s, "http2_max_header_list_size", s.MaxHeaderListSize, v => limits.MaxRequestHeadersTotalSize = v,
            "KestrelServerLimits.MaxRequestHeadersTotalSize (advertised as SETTINGS_MAX_HEADER_LIST_SIZE)");
        Apply(s, "keepalive", s.KeepAliveSeconds, v => limits.KeepAliveTimeout = TimeSpan.FromSeconds(v), "KestrelServerLimits.KeepAliveTimeout");
        Apply(s, "limit_request_line", s.LimitRequestLine, v => limits.MaxRequestLineSize = v == 0 ? int.MaxValue : v, "KestrelServerLimits.MaxRequestLineSize");
        Apply(s, "limit_request_fields", s.LimitRequestFields, v => limits.MaxRequestHeaderCount = v, "KestrelServerLimits.MaxRequestHeaderCount");
        Apply(s, "limit_request_field_size", s.LimitRequestFieldSize, v =>
        {
            var size = v == 0 ? int.MaxValue : v;
            limits.Http2.MaxRequestHeaderFieldSize = size;
            limits.Http3.MaxRequestHeaderFieldSize = size;
        }, "Http2Limits.MaxRequestHeaderFieldSize (HTTP/1.1 has no per-field limit; its headers are bounded by MaxRequestHeadersTotalSize)");
        Apply(s, "worker_connections", s.WorkerConnections, v => limits.MaxConcurrentConnections = v, "KestrelServerLimits.MaxConcurrentConnections (per process)");

        if (s.AppEndpoints is not null)
        {
            ApplyToAppEndpoints(options, s);
        }
        else if (!s.UsesEmbeddedDefault)
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
        var previousEndpoint = GetEndpointDefaults(options);
        var protocols = s.Protocols;
        options.ConfigureEndpointDefaults(lo =>
        {
            lo.Protocols = protocols;
            previousEndpoint?.Invoke(lo);
        });

        var previousHttps = GetHttpsDefaults(options);
        options.ConfigureHttpsDefaults(https =>
        {
            ConfigureHttps(https, s);
            previousHttps?.Invoke(https);
        });
    }

    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = "get_EndpointDefaults")]
    internal static extern Action<ListenOptions>? GetEndpointDefaults(KestrelServerOptions options);

    /// <summary><c>KestrelServerOptions.HttpsDefaults</c>, the action <c>ConfigureHttpsDefaults</c> stores (internal; pinned by a test).</summary>
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = "get_HttpsDefaults")]
    internal static extern Action<HttpsConnectionAdapterOptions>? GetHttpsDefaults(KestrelServerOptions options);

    /// <summary>
    /// The embedded default endpoint is added last, and only when nobody configured endpoints in code
    /// (ConfigureKestrel/UseKestrel callbacks, WebApplicationFactory): those win, as Kestrel's own defaults would yield.
    /// </summary>
    public void PostConfigure(string? name, KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (provider.TryGetSettings() is not { UsesEmbeddedDefault: true } s)
        {
            return;
        }

        var existing = CountCodeBackedEndpoints(options);
        if (existing > 0)
        {
            var given = TlsAndProtocolSettings.Where(n => s.Values.ContainsKey(n)).ToList();
            GunicornLog.Diagnostic(_logger, given.Count == 0
                ? new GunicornDiagnostic(GunicornEvent.EmbeddedDefault, LogLevel.Information,
                    string.Create(CultureInfo.InvariantCulture, $"the embedded default https://{GunicornSettingsLoader.EmbeddedDefaultBind} is not used: {existing} endpoint(s) were configured in code"))
                : new GunicornDiagnostic(GunicornEvent.SettingIgnored, LogLevel.Warning,
                    string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", given)} ({s.SourceOf(given[0])}) not applied: the {existing} endpoint(s) configured in code (Listen/ConfigureKestrel) keep their own TLS and protocols. Set them in that code, or remove it and set bind so that gunicorn settings create the endpoints")));
            return;
        }

        GunicornLog.Diagnostic(_logger, new GunicornDiagnostic(GunicornEvent.EmbeddedDefault, LogLevel.Information,
            $"no bind set: listening on the embedded default https://{GunicornSettingsLoader.EmbeddedDefaultBind} ({string.Join(",", s.AlpnOrder)})"));
        Listen(options, s);
    }

    /// <summary>Endpoints added with Listen* before us. Kestrel keeps them in an internal list (pinned by a test).</summary>
    internal static int CountCodeBackedEndpoints(KestrelServerOptions options) =>
        CodeBackedListenOptions?.GetValue(options) is System.Collections.ICollection list ? list.Count : 0;

    private void Listen(KestrelServerOptions options, GunicornSettings s)
    {
        foreach (var bind in s.Binds)
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
        var scheme = s.Tls ? "https" : "http";
        var protocols = Describe(s);
        var source = s.SourceOf("bind").Description;
        GunicornLog.Listening(_logger, address, scheme, protocols, source);
    }

    private static string Describe(GunicornSettings s) => s.Tls
        ? "ALPN " + string.Join(",", s.AlpnOrder.Select(p => p.ToString()))
        : s.Protocols == HttpProtocols.Http2 ? "h2c (prior knowledge)" : "http/1.1";

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
    internal static readonly string[] TlsAndProtocolSettings = ["certfile", "keyfile", "ssl_version", "ciphers", "cert_reqs", "ca_certs", "http_protocols", "http2_cleartext"];

    private static void ConfigureEndpoint(ListenOptions listenOptions, GunicornSettings s)
    {
        listenOptions.Protocols = s.Protocols;
        if (s.Tls)
        {
            listenOptions.UseHttps(https => ConfigureHttps(https, s));
        }

        InstallConnectionSeam(listenOptions);
    }

    private static void ConfigureHttps(HttpsConnectionAdapterOptions https, GunicornSettings s)
    {
        if (s.Certificate is not null)
        {
            https.ServerCertificate = s.Certificate;
            https.ServerCertificateChain = s.CertificateChain;
        }

        if (s.SslProtocols is { } protocols)
        {
            https.SslProtocols = protocols;
        }

        https.ClientCertificateMode = s.ClientCertificateMode;
        if (s.ClientCertificateAuthorities is { } authorities && s.ClientCertificateMode != ClientCertificateMode.NoCertificate)
        {
            https.ClientCertificateValidation = (certificate, _, _) => IsIssuedBy(certificate, authorities);
        }

        var alpn = s.AlpnOrder;
        var suites = s.CipherSuites;
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
