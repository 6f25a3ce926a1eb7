using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>Everything the loader reads, gathered so tests can drive each source alone.</summary>
internal sealed record GunicornLoadInput
{
    /// <summary>The process arguments (gunicorn flags among others).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>The value of <c>GUNICORN_CMD_ARGS</c>, or null when unset.</summary>
    public string? EnvironmentArguments { get; init; }

    /// <summary>The application's configuration root (for the gunicorn section and for Kestrel's own endpoint keys).</summary>
    public IConfiguration? Configuration { get; init; }

    public string SectionName { get; init; } = GunicornOptions.DefaultSectionName;

    /// <summary>Relative paths resolve against this (the content root, by default the current directory).</summary>
    public string ContentRoot { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Second place to look for a relative <c>-c</c> file (the app's output folder).</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>A config file named in code (<see cref="GunicornOptions.ConfigFile"/>).</summary>
    public string? ConfigFile { get; init; }

    public bool UseEmbeddedDefault { get; init; } = true;
}

/// <summary>
/// Merges the gunicorn sources (config file &lt; IConfiguration section &lt; GUNICORN_CMD_ARGS &lt; command line),
/// types and validates every value, and applies gunicorn's cross-setting rules. Never throws on user input:
/// every problem becomes one error line naming setting, source, value and what is allowed.
/// </summary>
internal static class GunicornSettingsLoader
{
    public const string EmbeddedDefaultBind = "127.0.0.1:8443";

    private static readonly Dictionary<string, TlsCipherSuite> OpenSslCipherNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ECDHE-ECDSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ["ECDHE-RSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ["ECDHE-ECDSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ["ECDHE-RSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ["ECDHE-ECDSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ["ECDHE-RSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["DHE-RSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        ["DHE-RSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        ["DHE-RSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["ECDHE-ECDSA-AES128-SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        ["ECDHE-RSA-AES128-SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        ["ECDHE-ECDSA-AES256-SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
        ["ECDHE-RSA-AES256-SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
    };

    public static GunicornLoadResult Load(GunicornLoadInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<string>();
        var diagnostics = new List<GunicornDiagnostic>();

        // 1. Command line and GUNICORN_CMD_ARGS first: they may name the config file.
        var cli = GunicornArgumentParser.Parse(input.Arguments, fromEnvironment: false);
        ArgumentParseResult env = new([], [], []);
        if (!string.IsNullOrWhiteSpace(input.EnvironmentArguments))
        {
            try
            {
                env = GunicornArgumentParser.Parse(GunicornArgumentParser.SplitCommandLine(input.EnvironmentArguments), fromEnvironment: true);
            }
            catch (FormatException ex)
            {
                errors.Add(ex.Message + ": " + input.EnvironmentArguments);
            }
        }

        foreach (var w in cli.Warnings.Concat(env.Warnings))
        {
            diagnostics.Add(new(GunicornEvent.UnknownSetting, LogLevel.Warning, w));
        }

        errors.AddRange(cli.Errors);
        errors.AddRange(env.Errors);

        // 2. The IConfiguration section.
        var section = input.Configuration?.GetSection(input.SectionName);
        var fromConfiguration = section is null ? [] : ReadSection(section, diagnostics);

        // 3. The config file: the last source that names one wins (code < section < env < flag).
        RawSetting? configRaw = null;
        if (input.ConfigFile is not null)
        {
            configRaw = new RawSetting("config", input.ConfigFile, new SettingSource(SettingSourceKind.Default, "GunicornOptions.ConfigFile"));
        }

        foreach (var raw in fromConfiguration.Concat(env.Settings).Concat(cli.Settings).Where(r => r.Name == "config"))
        {
            configRaw = raw;
        }

        var fromFile = new List<RawSetting>();
        if (configRaw is not null)
        {
            ReadConfigFile(configRaw, input, fromFile, errors, diagnostics);
        }

        // 4. Precedence: file < configuration < GUNICORN_CMD_ARGS < command line; bind accumulates within one source.
        var merged = new Dictionary<string, RawSetting>(StringComparer.Ordinal);
        foreach (var layer in new[] { fromFile, fromConfiguration, env.Settings, cli.Settings })
        {
            var binds = new List<string>();
            SettingSource? bindSource = null;
            foreach (var raw in layer)
            {
                if (raw.Name == "config")
                {
                    continue;
                }

                if (raw.Name == "bind" && raw.Value is string single && layer != fromFile && layer != fromConfiguration)
                {
                    binds.Add(single);
                    bindSource ??= raw.Source;
                    continue;
                }

                merged[raw.Name] = raw;
            }

            if (binds.Count > 0)
            {
                merged["bind"] = new RawSetting("bind", binds, bindSource!);
            }
        }

        if (configRaw is not null)
        {
            merged["config"] = configRaw;
        }

        var settings = Build(merged, input, errors, diagnostics);
        return new GunicornLoadResult(errors.Count == 0 ? settings : null, errors, diagnostics);
    }

    private static List<RawSetting> ReadSection(IConfigurationSection section, List<GunicornDiagnostic> diagnostics)
    {
        var result = new List<RawSetting>();
        foreach (var child in section.GetChildren())
        {
            if (!GunicornSettingCatalog.TryFindByName(child.Key, out var definition))
            {
                ReportUnknown(child.Key, SettingSource.ConfigurationKey(child.Path), diagnostics);
                continue;
            }

            object? value = child.Value;
            var grandChildren = child.GetChildren().ToList();
            if (grandChildren.Count > 0)
            {
                // Arrays in JSON bind as Gunicorn:bind:0, Gunicorn:bind:1 ...
                value = grandChildren
                    .OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue)
                    .Select(c => c.Value ?? string.Empty)
                    .ToList();
            }

            result.Add(new RawSetting(definition.Name, value, SettingSource.ConfigurationKey(child.Path)));
        }

        return result;
    }

    private static void ReadConfigFile(RawSetting configRaw, GunicornLoadInput input, List<RawSetting> into, List<string> errors, List<GunicornDiagnostic> diagnostics)
    {
        if (configRaw.Value is not string path || path.Length == 0)
        {
            errors.Add($"config = {configRaw.DisplayValue} ({configRaw.Source}): must be a file path, for example -c gunicorn.conf.py");
            return;
        }

        if (path.StartsWith("python:", StringComparison.Ordinal))
        {
            errors.Add($"config = {configRaw.DisplayValue} ({configRaw.Source}): python: module configs cannot be read outside Python; name the .py file instead");
            return;
        }

        var full = Path.GetFullPath(path, input.ContentRoot);
        if (!File.Exists(full) && !Path.IsPathRooted(path) && input.BaseDirectory is not null)
        {
            var besideApp = Path.GetFullPath(path, input.BaseDirectory);
            if (File.Exists(besideApp))
            {
                full = besideApp;
            }
        }

        if (!File.Exists(full))
        {
            errors.Add($"config = {configRaw.DisplayValue} ({configRaw.Source}): file not found: {full}");
            return;
        }

        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (IOException ex)
        {
            errors.Add($"config = {configRaw.DisplayValue} ({configRaw.Source}): cannot read {full}: {ex.Message}");
            return;
        }
        catch (UnauthorizedAccessException ex)
        {
            errors.Add($"config = {configRaw.DisplayValue} ({configRaw.Source}): cannot read {full}: {ex.Message}");
            return;
        }

        var parsed = GunicornConfigFileParser.Parse(text);
        foreach (var warning in parsed.Warnings)
        {
            diagnostics.Add(new(GunicornEvent.ConfigFileStatementIgnored, LogLevel.Warning,
                string.Create(CultureInfo.InvariantCulture, $"{full}:{warning.Line}: {warning.Reason}")));
        }

        foreach (var (name, value, line) in parsed.Assignments)
        {
            var source = SettingSource.File(full, line);
            if (!GunicornSettingCatalog.TryFindByName(name, out var definition))
            {
                // Lower-case names are settings; anything else is a helper variable of the file.
                if (string.Equals(name, name.ToLowerInvariant(), StringComparison.Ordinal) && !name.StartsWith('_'))
                {
                    ReportUnknown(name, source, diagnostics);
                }

                continue;
            }

            if (definition.Name == "config")
            {
                diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning, $"config ({source}): a config file cannot name another config file; ignored"));
                continue;
            }

            into.Add(new RawSetting(definition.Name, value, source));
        }
    }

    private static void ReportUnknown(string name, SettingSource source, List<GunicornDiagnostic> diagnostics)
    {
        if (GunicornSettingCatalog.WithoutKestrelMeaning.TryGetValue(name, out var why))
        {
            diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning, $"{name} ({source}) has no Kestrel equivalent and is ignored: {why}"));
            return;
        }

        var closest = GunicornSettingCatalog.ClosestName(name);
        diagnostics.Add(new(GunicornEvent.UnknownSetting, LogLevel.Warning, closest is null
            ? $"unknown gunicorn setting '{name}' ({source}) ignored"
            : $"unknown gunicorn setting '{name}' ({source}) ignored; did you mean '{closest}'?"));
    }

    private static GunicornSettings Build(Dictionary<string, RawSetting> values, GunicornLoadInput input, List<string> errors, List<GunicornDiagnostic> diagnostics)
    {
        RawSetting? Raw(string name) => values.TryGetValue(name, out var r) && r.Value is not null ? r : null;

        int? Int(string name)
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
                    errors.Add($"{name} = {raw.DisplayValue} ({raw.Source}): must be {allowed}");
                    return null;
            }

            if (number < d.Min || number > d.Max)
            {
                errors.Add($"{name} = {raw.DisplayValue} ({raw.Source}): out of range; allowed is {allowed}");
                return null;
            }

            return (int)number;
        }

        string? Str(string name)
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
                    errors.Add($"{name} = {raw.DisplayValue} ({raw.Source}): must be a string");
                    return null;
            }
        }

        IReadOnlyList<string>? List(string name)
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
                errors.Add($"{name} = {r.DisplayValue} ({r.Source}): must be a comma-separated string or a list of strings");
                return null;
            }
        }

        // Integers with plain ranges.
        var maxStreams = Int("http2_max_concurrent_streams");
        var window = Int("http2_initial_window_size");
        var frame = Int("http2_max_frame_size");
        var headerList = Int("http2_max_header_list_size");
        var workers = Int("workers");
        var threads = Int("threads");
        int? keepAlive = null;
        if (Raw("keepalive") is { Value: 0L or "0" } zeroKeepAlive)
        {
            errors.Add($"keepalive = {zeroKeepAlive.DisplayValue} ({zeroKeepAlive.Source}): Kestrel cannot turn keep-alive off (gunicorn's 0); allowed is an integer in 1..86400 seconds");
        }
        else
        {
            keepAlive = Int("keepalive");
        }

        var timeout = Int("timeout");
        var graceful = Int("graceful_timeout");
        var requestLine = Int("limit_request_line");
        var requestFields = Int("limit_request_fields");
        var fieldSize = Int("limit_request_field_size");
        var backlog = Int("backlog");
        var workerConnections = Int("worker_connections");

        foreach (var (name, note) in new[]
        {
            ("workers", "one Kestrel process already serves requests on all {0} cores through the .NET thread pool; no worker processes are forked (run more instances behind a load balancer to scale out)"),
            ("threads", "the .NET thread pool sizes itself; there is no per-worker thread count to set"),
            ("timeout", "Kestrel has no worker heartbeat to kill silent workers; for per-request limits use AddRequestTimeouts(), for idle connections keepalive"),
        })
        {
            if (Raw(name) is { } raw && errors.All(e => !e.StartsWith(name + " ", StringComparison.Ordinal)))
            {
                diagnostics.Add(new(GunicornEvent.Decision, LogLevel.Information,
                    $"{name} = {raw.DisplayValue} ({raw.Source}) is not applied: " + string.Format(CultureInfo.InvariantCulture, note, Environment.ProcessorCount)));
            }
        }

        // http_protocols, worker_class and TLS decide the endpoint protocols.
        var protocolsRaw = Raw("http_protocols");
        var protocols = new List<string>();
        foreach (var p in List("http_protocols") ?? ["h2", "h1"])
        {
            var v = p.ToLowerInvariant();
            switch (v)
            {
                case "h1" or "http/1.1":
                    if (!protocols.Contains("h1"))
                    {
                        protocols.Add("h1");
                    }

                    break;
                case "h2":
                    if (!protocols.Contains("h2"))
                    {
                        protocols.Add("h2");
                    }

                    break;
                case "h3":
                    errors.Add($"http_protocols = {protocolsRaw!.DisplayValue} ({protocolsRaw.Source}): h3 (HTTP/3) is not supported yet; allowed values are h1 and h2, for example \"h2,h1\"");
                    break;
                case "h2c":
                    errors.Add($"http_protocols = {protocolsRaw!.DisplayValue} ({protocolsRaw.Source}): h2c is not a protocol value; use h2 with http2_cleartext = \"prior-knowledge\"");
                    break;
                default:
                    errors.Add($"http_protocols = {protocolsRaw!.DisplayValue} ({protocolsRaw.Source}): unknown protocol '{p}'; allowed values are h1 and h2 (h3 is not supported yet)");
                    break;
            }
        }

        if (protocolsRaw is not null && protocols.Count == 0 && errors.Count == 0)
        {
            errors.Add($"http_protocols = {protocolsRaw.DisplayValue} ({protocolsRaw.Source}): must name at least one protocol, for example \"h2,h1\"");
        }

        var cleartext = Http2Cleartext.Off;
        var cleartextRaw = Raw("http2_cleartext");
        if (cleartextRaw is not null)
        {
            switch (cleartextRaw.Value)
            {
                case bool b when !b:
                case string s when s.Trim().ToLowerInvariant() is "off" or "false" or "no" or "none":
                    break;
                case string s when s.Trim().ToLowerInvariant() is "prior-knowledge" or "prior_knowledge":
                    cleartext = Http2Cleartext.PriorKnowledge;
                    break;
                case string s when s.Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase):
                    cleartext = Http2Cleartext.Upgrade;
                    break;
                case string s when s.Trim().Equals("both", StringComparison.OrdinalIgnoreCase):
                    cleartext = Http2Cleartext.Both;
                    break;
                default:
                    errors.Add($"http2_cleartext = {cleartextRaw.DisplayValue} ({cleartextRaw.Source}): allowed values are off, prior-knowledge, upgrade, both");
                    break;
            }
        }

        // Binds: from the sources, else the embedded default when Kestrel has no endpoints of its own.
        var binds = new List<BindAddress>();
        var bindRaw = Raw("bind");
        var usesEmbeddedDefault = false;
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
                errors.Add($"bind = {bindRaw.DisplayValue} ({bindRaw.Source}): must be an address or a list of addresses, for example \"127.0.0.1:8443\" or [\"[::]:8443\", \"unix:/run/app.sock\"]");
            }
            else
            {
                foreach (var entry in entries)
                {
                    var parsed = BindAddress.TryParse(entry, out var bindError);
                    if (parsed is null)
                    {
                        errors.Add($"bind = {new RawSetting("bind", entry, bindRaw.Source).DisplayValue} ({bindRaw.Source}): '{entry}' is not a valid address: {bindError}");
                    }
                    else if (parsed.Port != 0 && binds.Contains(parsed))
                    {
                        errors.Add($"bind = {new RawSetting("bind", entry, bindRaw.Source).DisplayValue} ({bindRaw.Source}): '{entry}' is listed twice");
                    }
                    else
                    {
                        binds.Add(parsed);
                    }
                }
            }
        }
        else if (input.UseEmbeddedDefault && !KestrelEndpointsConfigured(input.Configuration, out _))
        {
            usesEmbeddedDefault = true;
            binds.Add(BindAddress.TryParse(EmbeddedDefaultBind, out _)!);
            diagnostics.Add(new(GunicornEvent.EmbeddedDefault, LogLevel.Information,
                $"no bind set: listening on the embedded default https://{EmbeddedDefaultBind} ({string.Join(",", protocols)})"));
        }
        else if (KestrelEndpointsConfigured(input.Configuration, out var which))
        {
            diagnostics.Add(new(GunicornEvent.Decision, LogLevel.Information,
                $"no bind set: Kestrel's own endpoints ({which}) are used; gunicorn's TLS and protocol settings apply only to endpoints created from bind"));
        }

        // TLS: certfile/keyfile, or the development certificate of the embedded default.
        X509Certificate2? certificate = null;
        X509Certificate2Collection? chain = null;
        var certRaw = Raw("certfile");
        var keyRaw = Raw("keyfile");
        var certPath = Str("certfile");
        var keyPath = Str("keyfile");
        if (keyRaw is not null && certRaw is null)
        {
            errors.Add($"keyfile = {keyRaw.DisplayValue} ({keyRaw.Source}): keyfile needs certfile as well; set certfile to the certificate (PEM) that matches this key");
        }
        else if (certPath is not null)
        {
            var certFull = Path.GetFullPath(certPath, input.ContentRoot);
            var keyFull = keyPath is null ? null : Path.GetFullPath(keyPath, input.ContentRoot);
            var isDevPair = keyFull is not null
                && PathsEqual(certFull, DevelopmentCertificate.CertificatePath(input.ContentRoot))
                && PathsEqual(keyFull, DevelopmentCertificate.KeyPath(input.ContentRoot));
            if (isDevPair && !File.Exists(certFull) && !File.Exists(keyFull))
            {
                // The paths of the generated development pair: create it, as the embedded default would.
                certificate = LoadDevelopmentCertificate(input.ContentRoot, diagnostics, errors);
            }
            else if (!File.Exists(certFull))
            {
                errors.Add($"certfile = {certRaw!.DisplayValue} ({certRaw.Source}): file not found: {certFull}");
            }
            else if (keyFull is not null && !File.Exists(keyFull))
            {
                errors.Add($"keyfile = {keyRaw!.DisplayValue} ({keyRaw.Source}): file not found: {keyFull}");
            }
            else
            {
                try
                {
                    certificate = CertificateFiles.LoadPem(certFull, keyFull);
                    if (!certificate.HasPrivateKey)
                    {
                        errors.Add($"certfile = {certRaw!.DisplayValue} ({certRaw.Source}): {certFull} has no private key; set keyfile to the matching key");
                        certificate = null;
                    }
                    else if (!Path.GetExtension(certFull).Equals(".pfx", StringComparison.OrdinalIgnoreCase) && !Path.GetExtension(certFull).Equals(".p12", StringComparison.OrdinalIgnoreCase))
                    {
                        var all = CertificateFiles.LoadAll(certFull);
                        if (all.Count > 1)
                        {
                            chain = new X509Certificate2Collection(all.Skip(1).ToArray());
                        }
                    }
                }
                catch (Exception ex) when (ex is CryptographicException or ArgumentException)
                {
                    errors.Add($"certfile = {certRaw!.DisplayValue} ({certRaw.Source}): cannot load the certificate {certFull}"
                        + (keyFull is null ? string.Empty : " with key " + keyFull) + ": " + ex.Message.TrimEnd('.') + " (expected PEM certificate and PEM private key, or a .pfx without password)");
                }
            }
        }
        else if (usesEmbeddedDefault)
        {
            certificate = LoadDevelopmentCertificate(input.ContentRoot, diagnostics, errors);
        }

        var tls = certificate is not null || (certPath is not null && errors.Count > 0);

        // Client certificates.
        var clientMode = ClientCertificateMode.NoCertificate;
        var certReqsRaw = Raw("cert_reqs");
        var certReqs = Str("cert_reqs");
        if (certReqs is not null)
        {
            switch (certReqs.ToUpperInvariant())
            {
                case "0" or "CERT_NONE" or "NONE":
                    break;
                case "1" or "CERT_OPTIONAL" or "OPTIONAL":
                    clientMode = ClientCertificateMode.AllowCertificate;
                    break;
                case "2" or "CERT_REQUIRED" or "REQUIRED":
                    clientMode = ClientCertificateMode.RequireCertificate;
                    break;
                default:
                    errors.Add($"cert_reqs = {certReqsRaw!.DisplayValue} ({certReqsRaw.Source}): allowed values are 0 (CERT_NONE), 1 (CERT_OPTIONAL), 2 (CERT_REQUIRED)");
                    break;
            }

            if (clientMode != ClientCertificateMode.NoCertificate && !tls)
            {
                errors.Add($"cert_reqs = {certReqsRaw!.DisplayValue} ({certReqsRaw.Source}): client certificates need TLS; set certfile and keyfile");
            }
        }

        X509Certificate2Collection? authorities = null;
        var caRaw = Raw("ca_certs");
        var caPath = Str("ca_certs");
        if (caPath is not null)
        {
            var caFull = Path.GetFullPath(caPath, input.ContentRoot);
            if (!File.Exists(caFull))
            {
                errors.Add($"ca_certs = {caRaw!.DisplayValue} ({caRaw.Source}): file not found: {caFull}");
            }
            else
            {
                try
                {
                    authorities = CertificateFiles.LoadAll(caFull);
                    if (authorities.Count == 0)
                    {
                        errors.Add($"ca_certs = {caRaw!.DisplayValue} ({caRaw.Source}): {caFull} holds no PEM certificate");
                    }
                }
                catch (CryptographicException ex)
                {
                    errors.Add($"ca_certs = {caRaw!.DisplayValue} ({caRaw.Source}): cannot read {caFull}: {ex.Message}");
                }
            }

            if (clientMode == ClientCertificateMode.NoCertificate && errors.Count == 0)
            {
                diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                    $"ca_certs ({caRaw!.Source}) is only used to verify client certificates, and cert_reqs is 0 (CERT_NONE); set cert_reqs = 2 to require them"));
            }
        }

        // ssl_version: gunicorn's constants, applied as the minimum TLS version.
        SslProtocols? sslProtocols = null;
        var sslRaw = Raw("ssl_version");
        var ssl = Str("ssl_version");
        if (ssl is not null)
        {
            switch (ssl.ToUpperInvariant().Replace('.', '_').Replace("PROTOCOL_", string.Empty, StringComparison.Ordinal))
            {
                case "2" or "17" or "TLS" or "TLS_SERVER" or "SSLV23":
                    sslProtocols = SslProtocols.None; // the OS default: TLS 1.2 and 1.3 on current Linux
                    break;
                case "5" or "TLSV1_2":
                    sslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    break;
                case "TLSV1_3":
                    sslProtocols = SslProtocols.Tls13;
                    break;
                case "3" or "4" or "TLSV1" or "TLSV1_1" or "SSLV3" or "SSLV2":
                    errors.Add($"ssl_version = {sslRaw!.DisplayValue} ({sslRaw.Source}): TLS 1.0/1.1 and SSL are not allowed (HTTP/2 requires TLS 1.2 or later, RFC 9113 §9.2); allowed are TLSv1_2, TLSv1_3 or TLS (the OS default)");
                    break;
                default:
                    errors.Add($"ssl_version = {sslRaw!.DisplayValue} ({sslRaw.Source}): allowed are TLSv1_2, TLSv1_3 or TLS (the OS default)");
                    break;
            }

            if (!tls && sslProtocols is not null)
            {
                diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning, $"ssl_version ({sslRaw!.Source}) ignored: no TLS (certfile is not set)"));
            }
        }

        // ciphers: an explicit list of suites (OpenSSL or IANA names).
        List<TlsCipherSuite>? suites = null;
        var ciphersRaw = Raw("ciphers");
        var ciphers = Str("ciphers");
        if (ciphers is not null)
        {
            suites = [];
            foreach (var token in ciphers.Split([':', ',', ' '], StringSplitOptions.RemoveEmptyEntries))
            {
                if (OpenSslCipherNames.TryGetValue(token, out var suite)
                    || (token.StartsWith("TLS_", StringComparison.Ordinal) && Enum.TryParse(token, ignoreCase: false, out suite)))
                {
                    suites.Add(suite);
                }
                else
                {
                    errors.Add($"ciphers = {ciphersRaw!.DisplayValue} ({ciphersRaw.Source}): '{token}' is not a cipher suite name; OpenSSL keywords (HIGH, !aNULL, DEFAULT ...) are not supported, list suites such as ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256");
                    break;
                }
            }

            if (!tls)
            {
                diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning, $"ciphers ({ciphersRaw!.Source}) ignored: no TLS (certfile is not set)"));
            }
            else if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            {
                diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning, $"ciphers ({ciphersRaw!.Source}) ignored: CipherSuitesPolicy is not supported on this OS; configure suites in the OS"));
                suites = null;
            }
        }

        // gunicorn's default http_protocols is h1; with TLS the binder offers h2,h1 (ALPN falls back to h1 anyway).
        if (protocolsRaw is null && !tls)
        {
            protocols.Remove("h2");
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
                if (protocols.Remove("h2"))
                {
                    diagnostics.Add(new(GunicornEvent.Http2NotSupportedByWorker, LogLevel.Warning,
                        $"HTTP/2 is not supported by the {kind} worker (worker_class = {raw.DisplayValue}, {raw.Source}); endpoints serve HTTP/1.1 only. Use worker_class = \"gthread\" to keep HTTP/2"));
                    if (protocols.Count == 0)
                    {
                        protocols.Add("h1");
                    }
                }
            }
            else if (!knownHttp2 && !normalized.Contains('.', StringComparison.Ordinal))
            {
                errors.Add($"worker_class = {raw.DisplayValue} ({raw.Source}): unknown worker class; allowed are sync, gthread, gevent, eventlet, tornado, asgi or a dotted class path such as uvicorn.workers.UvicornWorker");
            }
            else
            {
                diagnostics.Add(new(GunicornEvent.Decision, LogLevel.Information,
                    $"worker_class = {raw.DisplayValue} ({raw.Source}): Kestrel serves every request itself; the class only decides whether HTTP/2 stays on (it does)"));
            }
        }

        // Protocols per endpoint: TLS lets ALPN choose; cleartext follows http2_cleartext.
        var httpProtocols = HttpProtocols.Http1AndHttp2;
        if (tls)
        {
            httpProtocols = protocols.Contains("h1") && protocols.Contains("h2") ? HttpProtocols.Http1AndHttp2
                : protocols.Contains("h2") ? HttpProtocols.Http2 : HttpProtocols.Http1;
            if (cleartext != Http2Cleartext.Off)
            {
                diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                    $"http2_cleartext ({cleartextRaw!.Source}) ignored: the endpoints use TLS, where ALPN negotiates h2"));
            }
        }
        else if (binds.Count > 0 || protocolsRaw is not null)
        {
            if (!protocols.Contains("h2"))
            {
                httpProtocols = HttpProtocols.Http1;
                if (cleartext != Http2Cleartext.Off)
                {
                    diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                        $"http2_cleartext ({cleartextRaw!.Source}) has no effect: http_protocols does not include h2; set http_protocols = \"h2\" for an h2c endpoint"));
                }
            }
            else
            {
                switch (cleartext)
                {
                    case Http2Cleartext.Off:
                        errors.Add($"http_protocols = {protocolsRaw!.DisplayValue} ({protocolsRaw.Source}): h2 needs TLS. Set certfile and keyfile (--certfile server.crt --keyfile server.key), or for h2c set http2_cleartext = \"prior-knowledge\" with http_protocols = \"h2\"");
                        break;
                    case Http2Cleartext.Upgrade:
                        errors.Add($"http2_cleartext = {cleartextRaw!.DisplayValue} ({cleartextRaw.Source}): the HTTP/1.1 'Upgrade: h2c' mechanism is not supported by Kestrel (RFC 9113 deprecated it); use \"prior-knowledge\" with http_protocols = \"h2\", or TLS");
                        break;
                    case Http2Cleartext.PriorKnowledge or Http2Cleartext.Both when protocols.Contains("h1"):
                        errors.Add($"http_protocols = {protocolsRaw!.DisplayValue} ({protocolsRaw.Source}): Kestrel cannot serve HTTP/1.1 and h2c prior-knowledge on one cleartext port; use http_protocols = \"h2\" (h2c only) or enable TLS");
                        break;
                    default:
                        httpProtocols = HttpProtocols.Http2;
                        if (cleartext == Http2Cleartext.Both)
                        {
                            diagnostics.Add(new(GunicornEvent.SettingIgnored, LogLevel.Warning,
                                $"http2_cleartext = {cleartextRaw!.DisplayValue} ({cleartextRaw.Source}): the 'upgrade' half is not supported by Kestrel; serving h2c with prior knowledge only"));
                        }

                        break;
                }
            }
        }

        var alpn = protocols.Select(p => p == "h2" ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11).ToList();
        if (httpProtocols == HttpProtocols.Http1)
        {
            alpn.Remove(SslApplicationProtocol.Http2);
        }

        // forwarded_allow_ips → trusted proxies for X-Forwarded-Proto.
        List<IPAddress>? proxies = null;
        List<System.Net.IPNetwork>? networks = null;
        var trustAll = false;
        var forwardedRaw = Raw("forwarded_allow_ips");
        var forwarded = List("forwarded_allow_ips");
        if (forwarded is not null)
        {
            proxies = [];
            networks = [];
            foreach (var entry in forwarded)
            {
                if (entry == "*")
                {
                    trustAll = true;
                }
                else if (IPAddress.TryParse(entry, out var ip))
                {
                    proxies.Add(ip);
                }
                else if (System.Net.IPNetwork.TryParse(entry, out var network))
                {
                    networks.Add(network);
                }
                else
                {
                    errors.Add($"forwarded_allow_ips = {forwardedRaw!.DisplayValue} ({forwardedRaw.Source}): '{entry}' is not an IP address, a CIDR network or *");
                }
            }
        }

        // loglevel.
        LogLevel? logLevel = null;
        var levelRaw = Raw("loglevel");
        var level = Str("loglevel");
        if (level is not null)
        {
            logLevel = level.ToLowerInvariant() switch
            {
                "debug" => LogLevel.Debug,
                "info" => LogLevel.Information,
                "warning" or "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "critical" => LogLevel.Critical,
                _ => null,
            };
            if (logLevel is null)
            {
                errors.Add($"loglevel = {levelRaw!.DisplayValue} ({levelRaw.Source}): allowed values are debug, info, warning, error, critical");
            }
        }

        var accessLog = Str("accesslog");
        if (accessLog is { Length: 0 })
        {
            accessLog = null;
        }

        return new GunicornSettings
        {
            Values = values,
            Binds = binds,
            UsesEmbeddedDefault = usesEmbeddedDefault,
            Certificate = certificate,
            CertificateChain = chain,
            ClientCertificateMode = clientMode,
            ClientCertificateAuthorities = authorities,
            SslProtocols = sslProtocols,
            CipherSuites = suites,
            AlpnOrder = alpn,
            Protocols = httpProtocols,
            Cleartext = cleartext,
            MaxConcurrentStreams = maxStreams,
            InitialWindowSize = window,
            MaxFrameSize = frame,
            MaxHeaderListSize = headerList,
            KeepAliveSeconds = keepAlive,
            GracefulTimeoutSeconds = graceful,
            LimitRequestLine = requestLine,
            LimitRequestFields = requestFields,
            LimitRequestFieldSize = fieldSize,
            Backlog = backlog,
            WorkerConnections = workerConnections,
            ForwardedAllowProxies = proxies,
            ForwardedAllowNetworks = networks,
            TrustAllProxies = trustAll,
            LogLevel = logLevel,
            AccessLog = accessLog,
        };
    }

    private static X509Certificate2? LoadDevelopmentCertificate(string contentRoot, List<GunicornDiagnostic> diagnostics, List<string> errors)
    {
        var certPath = DevelopmentCertificate.CertificatePath(contentRoot);
        var keyPath = DevelopmentCertificate.KeyPath(contentRoot);
        try
        {
            var (certificate, created) = DevelopmentCertificate.LoadOrCreate(certPath, keyPath);
            diagnostics.Add(new(GunicornEvent.DevelopmentCertificate, LogLevel.Information, created
                ? $"generated a self-signed development certificate for localhost/127.0.0.1: {certPath} (key {keyPath}); it is reused on later runs. Do not use it in production"
                : $"using the self-signed development certificate {certPath} (expires {certificate.NotAfter:yyyy-MM-dd})"));
            return certificate;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            errors.Add($"certfile (embedded default): cannot create the development certificate at {certPath}: {ex.Message}; set certfile and keyfile");
            return null;
        }
    }

    /// <summary>Whether the app configured Kestrel endpoints itself (urls, ports or a Kestrel:Endpoints section).</summary>
    internal static bool KestrelEndpointsConfigured(IConfiguration? configuration, out string which)
    {
        which = string.Empty;
        if (configuration is null)
        {
            return false;
        }

        foreach (var key in new[] { "urls", "http_ports", "https_ports" })
        {
            if (!string.IsNullOrEmpty(configuration[key]))
            {
                which = key + "=" + configuration[key];
                return true;
            }
        }

        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            which = "Kestrel:Endpoints";
            return true;
        }

        return false;
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
