using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>
/// Turns the merged raw values into <see cref="GunicornSettings"/>: types and range-checks each value, then applies
/// gunicorn's cross-setting rules (TLS, worker class, http_protocols, http2_cleartext) in that order. One instance per load.
/// </summary>
internal sealed class GunicornSettingsBuilder
{
    private readonly Dictionary<string, RawSetting> _values;
    private readonly GunicornLoadInput _input;
    private readonly List<string> _errors;
    private readonly List<GunicornDiagnostic> _diagnostics;
    private int? _maxStreams;
    private int? _window;
    private int? _frame;
    private int? _headerList;
    private int? _keepAlive;
    private int? _graceful;
    private int? _requestLine;
    private int? _requestFields;
    private int? _fieldSize;
    private int? _backlog;
    private int? _workerConnections;
    private RawSetting? _protocolsRaw;
    private List<string> _protocols = [];
    private Http2Cleartext _cleartext;
    private RawSetting? _cleartextRaw;
    private List<BindAddress> _binds = [];
    private bool _usesEmbeddedDefault;
    private AppEndpoints? _appEndpoints;
    private bool _usedDevelopmentCertificate;
    private X509Certificate2? _certificate;
    private X509Certificate2Collection? _chain;
    private string? _certPath;
    private bool _tls;
    private ClientCertificateMode _clientMode;
    private X509Certificate2Collection? _authorities;
    private SslProtocols? _sslProtocols;
    private List<TlsCipherSuite>? _suites;
    private HttpProtocols _httpProtocols;
    private List<SslApplicationProtocol> _alpn = [];
    private List<IPAddress>? _proxies;
    private List<System.Net.IPNetwork>? _networks;
    private bool _trustAll;
    private LogLevel? _logLevel;
    private string? _accessLog;
    private AccessLogFormat? _accessLogFormat;
    private string? _errorLog;

    public GunicornSettingsBuilder(Dictionary<string, RawSetting> values, GunicornLoadInput input, List<string> errors, List<GunicornDiagnostic> diagnostics)
    {
        _values = values;
        _input = input;
        _errors = errors;
        _diagnostics = diagnostics;
    }

    public GunicornSettings Build()
    {
        ReadLimits();
        ReadProtocolList();
        ReadCleartext();
        ReadBinds();
        ReadCertificate();
        ReadClientCertificates();
        ReadSslVersion();
        ReadCiphers();
        WarnAboutTlsSettingsWithoutHttpsEndpoints();
        ApplyWorkerClass();
        ResolveProtocols();
        ReadForwarded();
        ReadLogging();

        return new GunicornSettings
        {
            Values = _values,
            Binds = _binds,
            UsesEmbeddedDefault = _usesEmbeddedDefault,
            AppEndpoints = _appEndpoints,
            Certificate = _certificate,
            CertificateChain = _chain,
            ClientCertificateMode = _clientMode,
            ClientCertificateAuthorities = _authorities,
            SslProtocols = _sslProtocols,
            CipherSuites = _suites,
            AlpnOrder = _alpn,
            Protocols = _httpProtocols,
            Cleartext = _cleartext,
            MaxConcurrentStreams = _maxStreams,
            InitialWindowSize = _window,
            MaxFrameSize = _frame,
            MaxHeaderListSize = _headerList,
            KeepAliveSeconds = _keepAlive,
            GracefulTimeoutSeconds = _graceful,
            LimitRequestLine = _requestLine,
            LimitRequestFields = _requestFields,
            LimitRequestFieldSize = _fieldSize,
            Backlog = _backlog,
            WorkerConnections = _workerConnections,
            ForwardedAllowProxies = _proxies,
            ForwardedAllowNetworks = _networks,
            TrustAllProxies = _trustAll,
            LogLevel = _logLevel,
            AccessLog = _accessLog,
            AccessLogFormat = _accessLogFormat,
            ErrorLog = _errorLog,
        };
    }

    private RawSetting? Raw(string name) => _values.TryGetValue(name, out var r) && r.Value is not null ? r : null;

    private int? Int(string name)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return null;
        }

        var d = GunicornSettingCatalog.Get(name);
        var allowed = string.Create(CultureInfo.InvariantCulture, $"an integer in {d.Min}..{d.Max}") + (d.RangeNote is null ? string.Empty : " (" + d.RangeNote + ")");
        long number;
        switch (raw.Value)
        {
            case long l:
                number = l;
                break;
            case string s when long.TryParse(s.Trim().Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                number = parsed;
                break;
            default:
                _errors.Add($"{name} = {raw.DisplayValue} ({raw.Source}): must be {allowed}");
                return null;
        }

        if (number < d.Min || number > d.Max)
        {
            _errors.Add($"{name} = {raw.DisplayValue} ({raw.Source}): out of range; allowed is {allowed}");
            return null;
        }

        return (int)number;
    }

    private string? Str(string name)
    {
        var raw = Raw(name);
        switch (raw?.Value)
        {
            case null:
                return null;
            case string s:
                return s.Trim();
            case long or double:
                return RawSetting.Display(raw.Value);
            default:
                _errors.Add($"{name} = {raw.DisplayValue} ({raw.Source}): must be a string");
                return null;
        }
    }

    private IReadOnlyList<string>? List(string name)
    {
        var raw = Raw(name);
        return raw?.Value switch
        {
            null => null,
            string s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            IReadOnlyList<string> l => l.Select(x => x.Trim()).Where(x => x.Length > 0).ToList(),
            _ => Fail(raw),
        };

        IReadOnlyList<string>? Fail(RawSetting r)
        {
            _errors.Add($"{name} = {r.DisplayValue} ({r.Source}): must be a comma-separated string or a list of strings");
            return null;
        }
    }

    private void ReadLimits()
    {
        // Integers with plain ranges.
        _maxStreams = Int("http2_max_concurrent_streams");
        _window = Int("http2_initial_window_size");
        _frame = Int("http2_max_frame_size");
        _headerList = Int("http2_max_header_list_size");
        _ = Int("workers"); // validated only: see the decisions below
        _ = Int("threads");
        if (Raw("keepalive") is { Value: 0L or "0" } zeroKeepAlive)
        {
            _errors.Add($"keepalive = {zeroKeepAlive.DisplayValue} ({zeroKeepAlive.Source}): Kestrel cannot turn keep-alive off (gunicorn's 0); allowed is an integer in 1..86400 seconds");
        }
        else
        {
            _keepAlive = Int("keepalive");
        }

        _ = Int("timeout");
        _graceful = Int("graceful_timeout");
        _requestLine = Int("limit_request_line");
        _requestFields = Int("limit_request_fields");
        _fieldSize = Int("limit_request_field_size");
        _backlog = Int("backlog");
        _workerConnections = Int("worker_connections");

        foreach (var (name, note) in new[]
        {
            ("workers", "one Kestrel process already serves requests on all {0} cores through the .NET thread pool; no worker processes are forked (run more instances behind a load balancer to scale out)"),
            ("threads", "the .NET thread pool sizes itself; there is no per-worker thread count to set"),
            ("timeout", "Kestrel has no worker heartbeat to kill silent workers; for per-request limits use AddRequestTimeouts(), for idle connections keepalive"),
        })
        {
            if (Raw(name) is { } raw && _errors.All(e => !e.StartsWith(name + " ", StringComparison.Ordinal)))
            {
                _diagnostics.Add(new(GunicornEvent.Decision, LogLevel.Information,
                    $"{name} = {raw.DisplayValue} ({raw.Source}) is not applied: " + string.Format(CultureInfo.InvariantCulture, note, Environment.ProcessorCount)));
            }
        }
    }

    private void ReadProtocolList()
    {
        // http_protocols, worker_class and TLS decide the endpoint protocols.
        _protocolsRaw = Raw("http_protocols");
        _protocols = new List<string>();
        foreach (var p in List("http_protocols") ?? ["h2", "h1"])
        {
            var v = p.ToLowerInvariant();
            switch (v)
            {
                case "h1" or "http/1.1":
                    if (!_protocols.Contains("h1"))
                    {
                        _protocols.Add("h1");
                    }

                    break;
                case "h2":
                    if (!_protocols.Contains("h2"))
                    {
                        _protocols.Add("h2");
                    }

                    break;
                case "h3":
                    _errors.Add($"http_protocols = {_protocolsRaw!.DisplayValue} ({_protocolsRaw.Source}): h3 (HTTP/3) is not supported yet; allowed values are h1 and h2, for example \"h2,h1\"");
                    break;
                case "h2c":
                    _errors.Add($"http_protocols = {_protocolsRaw!.DisplayValue} ({_protocolsRaw.Source}): h2c is not a protocol value; use h2 with http2_cleartext = \"prior-knowledge\"");
                    break;
                default:
                    _errors.Add($"http_protocols = {_protocolsRaw!.DisplayValue} ({_protocolsRaw.Source}): unknown protocol '{p}'; allowed values are h1 and h2 (h3 is not supported yet)");
                    break;
            }
        }

        if (_protocolsRaw is not null && _protocols.Count == 0 && _errors.Count == 0)
        {
            _errors.Add($"http_protocols = {_protocolsRaw.DisplayValue} ({_protocolsRaw.Source}): must name at least one protocol, for example \"h2,h1\"");
        }
    }

    private void ReadCleartext()
    {
        _cleartext = Http2Cleartext.Off;
        _cleartextRaw = Raw("http2_cleartext");
        if (_cleartextRaw is not null)
        {
            switch (_cleartextRaw.Value)
            {
                case bool b when !b:
                case string s when s.Trim().ToLowerInvariant() is "off" or "false" or "no" or "none":
                    break;
                case string s when s.Trim().ToLowerInvariant() is "prior-knowledge" or "prior_knowledge":
                    _cleartext = Http2Cleartext.PriorKnowledge;
                    break;
                case string s when s.Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase):
                    _cleartext = Http2Cleartext.Upgrade;
                    break;
                case string s when s.Trim().Equals("both", StringComparison.OrdinalIgnoreCase):
                    _cleartext = Http2Cleartext.Both;
                    break;
                default:
                    _errors.Add($"http2_cleartext = {_cleartextRaw.DisplayValue} ({_cleartextRaw.Source}): allowed values are off, prior-knowledge, upgrade, both");
                    break;
            }
        }
    }

    private void ReadBinds()
    {
        // Binds: from the sources, else the embedded default when Kestrel has no endpoints of its own.
        _binds = new List<BindAddress>();
        var bindRaw = Raw("bind");
        _usesEmbeddedDefault = false;
        if (bindRaw is not null)
        {
            var entries = bindRaw.Value switch
            {
                string s => [s],
                IReadOnlyList<string> l => l,
                _ => null,
            };
            if (entries is null || entries.Count == 0)
            {
                _errors.Add($"bind = {bindRaw.DisplayValue} ({bindRaw.Source}): must be an address or a list of addresses, for example \"127.0.0.1:8443\" or [\"[::]:8443\", \"unix:/run/app.sock\"]");
            }
            else
            {
                foreach (var entry in entries)
                {
                    var parsed = BindAddress.TryParse(entry, out var bindError);
                    if (parsed is null)
                    {
                        _errors.Add($"bind = {new RawSetting("bind", entry, bindRaw.Source).DisplayValue} ({bindRaw.Source}): '{entry}' is not a valid address: {bindError}");
                    }
                    else if (parsed.Port != 0 && _binds.Contains(parsed))
                    {
                        _errors.Add($"bind = {new RawSetting("bind", entry, bindRaw.Source).DisplayValue} ({bindRaw.Source}): '{entry}' is listed twice");
                    }
                    else
                    {
                        _binds.Add(parsed);
                    }
                }
            }
        }
        else
        {
            var own = AppEndpoints.Read(_input);
            if (_input.UseEmbeddedDefault && (own is null || own is { FromLaunchProfile: true, HasHttps: false }))
            {
                _usesEmbeddedDefault = true;
                _binds.Add(BindAddress.TryParse(GunicornSettingsLoader.EmbeddedDefaultBind, out _)!);
                if (own is not null)
                {
                    // dotnet run puts the launch profile's applicationUrl into ASPNETCORE_URLS; the template's first
                    // profile is http only, where no browser speaks HTTP/2. That is a tool default, not a deployment.
                    _diagnostics.Add(new(GunicornEvent.EmbeddedDefault, LogLevel.Warning,
                        $"launch profile '{_input.LaunchProfile}' (Properties/launchSettings.json) sets only {own.Description}, where browsers get no HTTP/2: "
                        + $"listening on the embedded default https://{GunicornSettingsLoader.EmbeddedDefaultBind} (h2,h1) instead. "
                        + "To serve the profile's port, set bind (for example -b localhost:PORT with --certfile/--keyfile), or run an https profile (dotnet run --launch-profile https)"));
                }
            }
            else if (own is not null)
            {
                // The app chose its endpoints (ASPNETCORE_URLS, --urls, ports, Kestrel:Endpoints, an https launch profile):
                // the TLS and protocol settings go to Kestrel's endpoint defaults, which those endpoints use.
                _appEndpoints = own;
                _diagnostics.Add(new(GunicornEvent.Decision, LogLevel.Information,
                    $"no bind set: serving the app's own endpoints ({own.Description}); gunicorn's TLS and protocol settings apply to them as Kestrel's endpoint defaults"));
            }
        }
    }

    private void ReadCertificate()
    {
        // TLS: certfile/keyfile, or the development certificate of the embedded default.
        _certificate = null;
        _chain = null;
        var certRaw = Raw("certfile");
        var keyRaw = Raw("keyfile");
        _certPath = Str("certfile");
        var keyPath = Str("keyfile");
        if (keyRaw is not null && certRaw is null)
        {
            _errors.Add($"keyfile = {keyRaw.DisplayValue} ({keyRaw.Source}): keyfile needs certfile as well; set certfile to the certificate (PEM) that matches this key");
        }
        else if (_certPath is not null)
        {
            var certFull = Path.GetFullPath(_certPath, _input.ContentRoot);
            var keyFull = keyPath is null ? null : Path.GetFullPath(keyPath, _input.ContentRoot);
            var isDevPair = keyFull is not null
                && GunicornSettingsLoader.PathsEqual(certFull, DevelopmentCertificate.CertificatePath(_input.ContentRoot))
                && GunicornSettingsLoader.PathsEqual(keyFull, DevelopmentCertificate.KeyPath(_input.ContentRoot));
            if (isDevPair && !File.Exists(certFull) && !File.Exists(keyFull))
            {
                // The paths of the generated development pair: create it, as the embedded default would.
                _certificate = GunicornSettingsLoader.LoadDevelopmentCertificate(_input, _diagnostics, _errors);
                _usedDevelopmentCertificate = true;
            }
            else if (!File.Exists(certFull))
            {
                _errors.Add($"certfile = {certRaw!.DisplayValue} ({certRaw.Source}): file not found: {certFull}");
            }
            else if (keyFull is not null && !File.Exists(keyFull))
            {
                _errors.Add($"keyfile = {keyRaw!.DisplayValue} ({keyRaw.Source}): file not found: {keyFull}");
            }
            else
            {
                try
                {
                    _certificate = CertificateFiles.LoadPem(certFull, keyFull);
                    if (!_certificate.HasPrivateKey)
                    {
                        _errors.Add($"certfile = {certRaw!.DisplayValue} ({certRaw.Source}): {certFull} has no private key; set keyfile to the matching key");
                        _certificate = null;
                    }
                    else if (!Path.GetExtension(certFull).Equals(".pfx", StringComparison.OrdinalIgnoreCase) && !Path.GetExtension(certFull).Equals(".p12", StringComparison.OrdinalIgnoreCase))
                    {
                        var all = CertificateFiles.LoadAll(certFull);
                        if (all.Count > 1)
                        {
                            _chain = new X509Certificate2Collection(all.Skip(1).ToArray());
                        }
                    }
                }
                catch (Exception ex) when (ex is CryptographicException or ArgumentException)
                {
                    _errors.Add($"certfile = {certRaw!.DisplayValue} ({certRaw.Source}): cannot load the certificate {certFull}"
                        + (keyFull is null ? string.Empty : " with key " + keyFull) + ": " + ex.Message.TrimEnd('.') + " (expected PEM certificate and PEM private key, or a .pfx without password)");
                }
            }
        }
        else if (_usesEmbeddedDefault)
        {
            _certificate = GunicornSettingsLoader.LoadDevelopmentCertificate(_input, _diagnostics, _errors);
            _usedDevelopmentCertificate = true;
        }

        _tls = _certificate is not null || (_certPath is not null && _errors.Count > 0) || _appEndpoints is { HasHttps: true };
        if (_certificate is not null && _certificate.SubjectName.RawData.AsSpan().SequenceEqual(_certificate.IssuerName.RawData) && !_input.IsDevelopment && !_usedDevelopmentCertificate)
        {
            _diagnostics.Add(new(GunicornEvent.DevelopmentCertificate, LogLevel.Warning,
                $"certfile ({certRaw!.Source}): {_certificate.Subject} is self-signed and the environment is {_input.EnvironmentName}, not Development: clients cannot verify it. Use a certificate from a CA (for example Let's Encrypt) outside development"));
        }
    }

    private void ReadClientCertificates()
    {
        // Client certificates.
        _clientMode = ClientCertificateMode.NoCertificate;
        var certReqsRaw = Raw("cert_reqs");
        var certReqs = Str("cert_reqs");
        if (certReqs is not null)
        {
            switch (certReqs.ToUpperInvariant())
            {
                case "0" or "CERT_NONE" or "NONE":
                    break;
                case "1" or "CERT_OPTIONAL" or "OPTIONAL":
                    _clientMode = ClientCertificateMode.AllowCertificate;
                    break;
                case "2" or "CERT_REQUIRED" or "REQUIRED":
                    _clientMode = ClientCertificateMode.RequireCertificate;
                    break;
                default:
                    _errors.Add($"cert_reqs = {certReqsRaw!.DisplayValue} ({certReqsRaw.Source}): allowed values are 0 (CERT_NONE), 1 (CERT_OPTIONAL), 2 (CERT_REQUIRED)");
                    break;
            }

            if (_clientMode != ClientCertificateMode.NoCertificate && !_tls)
            {
                _errors.Add($"cert_reqs = {certReqsRaw!.DisplayValue} ({certReqsRaw.Source}): client certificates need TLS; set certfile and keyfile");
            }
        }

        _authorities = null;
        var caRaw = Raw("ca_certs");
        var caPath = Str("ca_certs");
        if (caPath is not null)
        {
            var caFull = Path.GetFullPath(caPath, _input.ContentRoot);
            if (!File.Exists(caFull))
            {
                _errors.Add($"ca_certs = {caRaw!.DisplayValue} ({caRaw.Source}): file not found: {caFull}");
            }
            else
            {
                try
                {
                    _authorities = CertificateFiles.LoadAll(caFull);
                    if (_authorities.Count == 0)
                    {
                        _errors.Add($"ca_certs = {caRaw!.DisplayValue} ({caRaw.Source}): {caFull} holds no PEM certificate");
                    }
                }
                catch (CryptographicException ex)
                {
                    _errors.Add($"ca_certs = {caRaw!.DisplayValue} ({caRaw.Source}): cannot read {caFull}: {ex.Message}");
                }
            }

            if (_clientMode == ClientCertificateMode.NoCertificate && _errors.Count == 0)
            {
                _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                    $"ca_certs ({caRaw!.Source}) is only used to verify client certificates, and cert_reqs is 0 (CERT_NONE); set cert_reqs = 2 to require them"));
            }
        }
    }

    private void ReadSslVersion()
    {
        // ssl_version: gunicorn's constants, applied as the minimum TLS version.
        _sslProtocols = null;
        var sslRaw = Raw("ssl_version");
        var ssl = Str("ssl_version");
        if (ssl is not null)
        {
            switch (ssl.ToUpperInvariant().Replace('.', '_').Replace("PROTOCOL_", string.Empty, StringComparison.Ordinal))
            {
                case "2" or "17" or "TLS" or "TLS_SERVER" or "SSLV23":
                    _sslProtocols = SslProtocols.None; // the OS default: TLS 1.2 and 1.3 on current Linux
                    break;
                case "5" or "TLSV1_2":
                    _sslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    break;
                case "TLSV1_3":
                    _sslProtocols = SslProtocols.Tls13;
                    break;
                case "3" or "4" or "TLSV1" or "TLSV1_1" or "SSLV3" or "SSLV2":
                    _errors.Add($"ssl_version = {sslRaw!.DisplayValue} ({sslRaw.Source}): TLS 1.0/1.1 and SSL are not allowed (HTTP/2 requires TLS 1.2 or later, RFC 9113 §9.2); allowed are TLSv1_2, TLSv1_3 or TLS (the OS default)");
                    break;
                default:
                    _errors.Add($"ssl_version = {sslRaw!.DisplayValue} ({sslRaw.Source}): allowed are TLSv1_2, TLSv1_3 or TLS (the OS default)");
                    break;
            }

            if (!_tls && _sslProtocols is not null)
            {
                _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning, $"ssl_version ({sslRaw!.Source}) ignored: no TLS (certfile is not set)"));
            }
        }
    }

    private void ReadCiphers()
    {
        // ciphers: an explicit list of suites (OpenSSL or IANA names).
        _suites = null;
        var ciphersRaw = Raw("ciphers");
        var ciphers = Str("ciphers");
        if (ciphers is not null)
        {
            _suites = [];
            foreach (var token in ciphers.Split([':', ',', ' '], StringSplitOptions.RemoveEmptyEntries))
            {
                if (GunicornSettingsLoader.OpenSslCipherNames.TryGetValue(token, out var suite)
                    || (token.StartsWith("TLS_", StringComparison.Ordinal) && Enum.TryParse(token, ignoreCase: false, out suite)))
                {
                    _suites.Add(suite);
                }
                else
                {
                    _errors.Add($"ciphers = {ciphersRaw!.DisplayValue} ({ciphersRaw.Source}): '{token}' is not a cipher suite name; OpenSSL keywords (HIGH, !aNULL, DEFAULT ...) are not supported, list suites such as ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256");
                    break;
                }
            }

            if (!_tls)
            {
                _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning, $"ciphers ({ciphersRaw!.Source}) ignored: no TLS (certfile is not set)"));
            }
            else if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            {
                _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning, $"ciphers ({ciphersRaw!.Source}) ignored: CipherSuitesPolicy is not supported on this OS; configure suites in the OS"));
                _suites = null;
            }
        }
    }

    private static readonly string[] TlsSettings = ["certfile", "keyfile", "ssl_version", "ciphers", "cert_reqs", "ca_certs"];

    /// <summary>TLS settings with only http:// endpoints of the app's own would do nothing: say so, and how to fix it.</summary>
    private void WarnAboutTlsSettingsWithoutHttpsEndpoints()
    {
        if (_appEndpoints is not { HasHttps: false } own)
        {
            return;
        }

        var given = TlsSettings.Where(n => Raw(n) is not null).ToList();
        if (given.Count > 0)
        {
            _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                $"{string.Join(", ", given)} ({Raw(given[0])!.Source}) not applied: the app's endpoints ({own.Description}) have no https:// URL. "
                + "Use https:// URLs (for example ASPNETCORE_URLS=https://127.0.0.1:8443), or set bind (-b 127.0.0.1:8443) so that gunicorn settings create the endpoints"));
        }
    }

    private void ApplyWorkerClass()
    {
        // gunicorn's default http_protocols is h1; with TLS the binder offers h2,h1 (ALPN falls back to h1 anyway).
        if (_protocolsRaw is null && !_tls)
        {
            _protocols.Remove("h2");
        }

        var workerClass = Str("worker_class");
        if (workerClass is not null)
        {
            var raw = Raw("worker_class")!;
            var normalized = workerClass.ToLowerInvariant();
            var withoutHttp2 = normalized is "sync" or "tornado" or "gunicorn.workers.sync.syncworker" or "gunicorn.workers.gtornado.tornadoworker";
            var knownHttp2 = normalized is "gthread" or "gevent" or "eventlet" or "asgi" or "gevent_wsgi" or "gevent_pywsgi"
                || normalized.StartsWith("uvicorn", StringComparison.Ordinal) || normalized.StartsWith("gunicorn.workers.", StringComparison.Ordinal);
            if (withoutHttp2)
            {
                var kind = normalized.Contains("tornado", StringComparison.Ordinal) ? "tornado" : "sync";
                if (_protocols.Remove("h2"))
                {
                    _diagnostics.Add(new(GunicornEvent.Http2NotSupportedByWorker, LogLevel.Warning,
                        $"HTTP/2 is not supported by the {kind} worker (worker_class = {raw.DisplayValue}, {raw.Source}); endpoints serve HTTP/1.1 only. Use worker_class = \"gthread\" to keep HTTP/2"));
                    if (_protocols.Count == 0)
                    {
                        _protocols.Add("h1");
                    }
                }
            }
            else if (!knownHttp2 && !normalized.Contains('.', StringComparison.Ordinal))
            {
                _errors.Add($"worker_class = {raw.DisplayValue} ({raw.Source}): unknown worker class; allowed are sync, gthread, gevent, eventlet, tornado, asgi or a dotted class path such as uvicorn.workers.UvicornWorker");
            }
            else
            {
                _diagnostics.Add(new(GunicornEvent.Decision, LogLevel.Information,
                    $"worker_class = {raw.DisplayValue} ({raw.Source}): Kestrel serves every request itself; the class only decides whether HTTP/2 stays on (it does)"));
            }
        }
    }

    private void ResolveProtocols()
    {
        // Protocols per endpoint: TLS lets ALPN choose; cleartext follows http2_cleartext.
        _httpProtocols = HttpProtocols.Http1AndHttp2;
        if (_tls)
        {
            _httpProtocols = _protocols.Contains("h1") && _protocols.Contains("h2") ? HttpProtocols.Http1AndHttp2
                : _protocols.Contains("h2") ? HttpProtocols.Http2 : HttpProtocols.Http1;
            if (_cleartext != Http2Cleartext.Off)
            {
                _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                    $"http2_cleartext ({_cleartextRaw!.Source}) ignored: the endpoints use TLS, where ALPN negotiates h2"));
            }
        }
        else if (_binds.Count > 0 || _protocolsRaw is not null)
        {
            if (!_protocols.Contains("h2"))
            {
                _httpProtocols = HttpProtocols.Http1;
                if (_cleartext != Http2Cleartext.Off)
                {
                    _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                        $"http2_cleartext ({_cleartextRaw!.Source}) has no effect: http_protocols does not include h2; set http_protocols = \"h2\" for an h2c endpoint"));
                }
            }
            else
            {
                switch (_cleartext)
                {
                    case Http2Cleartext.Off when _appEndpoints is not null:
                        _httpProtocols = HttpProtocols.Http1AndHttp2;
                        _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                            $"http_protocols = {_protocolsRaw!.DisplayValue} ({_protocolsRaw.Source}): h2 is not applied to {_appEndpoints.Description}: cleartext endpoints serve HTTP/1.1. "
                            + "Use an https:// URL (with --certfile/--keyfile), set bind with TLS, or for h2c set http2_cleartext = \"prior-knowledge\" with http_protocols = \"h2\""));
                        break;
                    case Http2Cleartext.Off:
                        _errors.Add($"http_protocols = {_protocolsRaw!.DisplayValue} ({_protocolsRaw.Source}): h2 needs TLS. Set certfile and keyfile (--certfile server.crt --keyfile server.key), or for h2c set http2_cleartext = \"prior-knowledge\" with http_protocols = \"h2\"");
                        break;
                    case Http2Cleartext.Upgrade:
                        _errors.Add($"http2_cleartext = {_cleartextRaw!.DisplayValue} ({_cleartextRaw.Source}): the HTTP/1.1 'Upgrade: h2c' mechanism is not supported by Kestrel (RFC 9113 deprecated it); use \"prior-knowledge\" with http_protocols = \"h2\", or TLS");
                        break;
                    case Http2Cleartext.PriorKnowledge or Http2Cleartext.Both when _protocols.Contains("h1"):
                        _errors.Add($"http_protocols = {_protocolsRaw!.DisplayValue} ({_protocolsRaw.Source}): Kestrel cannot serve HTTP/1.1 and h2c prior-knowledge on one cleartext port; use http_protocols = \"h2\" (h2c only) or enable TLS");
                        break;
                    default:
                        _httpProtocols = HttpProtocols.Http2;
                        if (_cleartext == Http2Cleartext.Both)
                        {
                            _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                                $"http2_cleartext = {_cleartextRaw!.DisplayValue} ({_cleartextRaw.Source}): the 'upgrade' half is not supported by Kestrel; serving h2c with prior knowledge only"));
                        }

                        break;
                }
            }
        }

        _alpn = _protocols.Select(p => p == "h2" ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11).ToList();
        if (_httpProtocols == HttpProtocols.Http1)
        {
            _alpn.Remove(SslApplicationProtocol.Http2);
        }
    }

    private void ReadForwarded()
    {
        // forwarded_allow_ips → trusted proxies for X-Forwarded-Proto.
        _proxies = null;
        _networks = null;
        _trustAll = false;
        var forwardedRaw = Raw("forwarded_allow_ips");
        var forwarded = List("forwarded_allow_ips");
        if (forwarded is not null)
        {
            _proxies = [];
            _networks = [];
            foreach (var entry in forwarded)
            {
                if (entry == "*")
                {
                    _trustAll = true;
                }
                else if (IPAddress.TryParse(entry, out var ip))
                {
                    _proxies.Add(ip);
                }
                else if (System.Net.IPNetwork.TryParse(entry, out var network))
                {
                    _networks.Add(network);
                }
                else
                {
                    _errors.Add($"forwarded_allow_ips = {forwardedRaw!.DisplayValue} ({forwardedRaw.Source}): '{entry}' is not an IP address, a CIDR network or *");
                }
            }
        }
    }

    private void ReadLogging()
    {
        // loglevel.
        _logLevel = null;
        var levelRaw = Raw("loglevel");
        var level = Str("loglevel");
        if (level is not null)
        {
            _logLevel = level.ToLowerInvariant() switch
            {
                "debug" => LogLevel.Debug,
                "info" => LogLevel.Information,
                "warning" or "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "critical" => LogLevel.Critical,
                _ => null,
            };
            if (_logLevel is null)
            {
                _errors.Add($"loglevel = {levelRaw!.DisplayValue} ({levelRaw.Source}): allowed values are debug, info, warning, error, critical");
            }
        }

        _accessLog = Str("accesslog");
        if (_accessLog is { Length: 0 })
        {
            _accessLog = null;
        }

        // access_log_format: gunicorn's atoms; an atom that cannot be rendered stops start-up.
        var formatRaw = Raw("access_log_format");
        var format = Str("access_log_format");
        if (format is not null)
        {
            _accessLogFormat = AccessLogFormat.TryParse(format, out var formatError);
            if (_accessLogFormat is null)
            {
                _errors.Add($"access_log_format = {formatRaw!.DisplayValue} ({formatRaw.Source}): {formatError}");
            }
            else if (_accessLog is null)
            {
                _diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                    $"access_log_format ({formatRaw!.Source}) has no effect without accesslog; set accesslog = \"-\" (stdout) or a file path"));
            }
        }
        else
        {
            _accessLogFormat = AccessLogFormat.TryParse(AccessLogFormat.GunicornDefault, out _);
        }

        // errorlog: "-" is stderr; a path is a file. Either replaces the console logger, as gunicorn writes its
        // error log to one place.
        _errorLog = Str("errorlog");
        if (_errorLog is { Length: 0 })
        {
            _errorLog = null;
        }
    }
}
