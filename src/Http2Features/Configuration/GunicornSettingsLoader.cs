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

    /// <summary>The host environment's name (a self-signed certificate outside Development is a warning).</summary>
    public string EnvironmentName { get; init; } = "Production";

    public bool IsDevelopment => string.Equals(EnvironmentName, "Development", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>DOTNET_LAUNCH_PROFILE</c>: set by <c>dotnet run</c> when it applied a launch profile.</summary>
    public string? LaunchProfile { get; init; }

    /// <summary><c>ASPNETCORE_URLS</c> as the process received it (a launch profile's applicationUrl under <c>dotnet run</c>).</summary>
    public string? EnvironmentUrls { get; init; }
}

/// <summary>The endpoints the app configured itself: URLs, ports or <c>Kestrel:Endpoints</c>.</summary>
/// <param name="Description">For messages, e.g. <c>urls=http://localhost:5099</c>.</param>
/// <param name="HasHttps">Whether at least one is an https endpoint.</param>
/// <param name="FromLaunchProfile">Whether the URLs are a launch profile's applicationUrl (<c>dotnet run</c>).</param>
internal sealed record AppEndpoints(string Description, bool HasHttps, bool FromLaunchProfile)
{
    public static AppEndpoints? Read(GunicornLoadInput input)
    {
        var configuration = input.Configuration;
        if (configuration is null)
        {
            return null;
        }

        var parts = new List<string>();
        var https = false;
        var urls = configuration["urls"];
        if (!string.IsNullOrWhiteSpace(urls))
        {
            parts.Add("urls=" + urls);
            https |= urls.Split(';', StringSplitOptions.TrimEntries).Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        }
        else
        {
            // Kestrel reads the port variables only when no URLs are set.
            if (configuration["http_ports"] is { Length: > 0 } httpPorts)
            {
                parts.Add("http_ports=" + httpPorts);
            }

            if (configuration["https_ports"] is { Length: > 0 } httpsPorts)
            {
                parts.Add("https_ports=" + httpsPorts);
                https = true;
            }
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"] ?? string.Empty;
            parts.Add($"Kestrel:Endpoints:{endpoint.Key}={url}");
            https |= url.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        }

        if (parts.Count == 0)
        {
            return null;
        }

        var fromLaunchProfile = parts.Count == 1 && !string.IsNullOrEmpty(input.LaunchProfile)
            && string.Equals(urls, input.EnvironmentUrls, StringComparison.Ordinal);
        return new AppEndpoints(string.Join(", ", parts), https, fromLaunchProfile);
    }
}

/// <summary>
/// Merges the gunicorn sources (config file &lt; IConfiguration section &lt; GUNICORN_CMD_ARGS &lt; command line),
/// types and validates every value, and applies gunicorn's cross-setting rules. Never throws on user input:
/// every problem becomes one error line naming setting, source, value and what is allowed.
/// </summary>
internal static class GunicornSettingsLoader
{
    public const string EmbeddedDefaultBind = "127.0.0.1:8443";

    internal static readonly Dictionary<string, TlsCipherSuite> OpenSslCipherNames = new(StringComparer.OrdinalIgnoreCase)
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

    private static GunicornSettings Build(Dictionary<string, RawSetting> values, GunicornLoadInput input, List<string> errors, List<GunicornDiagnostic> diagnostics) =>
        new GunicornSettingsBuilder(values, input, errors, diagnostics).Build();

    internal static X509Certificate2? LoadDevelopmentCertificate(GunicornLoadInput input, List<GunicornDiagnostic> diagnostics, List<string> errors)
    {
        var certPath = DevelopmentCertificate.CertificatePath(input.ContentRoot);
        var keyPath = DevelopmentCertificate.KeyPath(input.ContentRoot);
        try
        {
            var (certificate, created) = DevelopmentCertificate.LoadOrCreate(certPath, keyPath);
            var message = created
                ? $"generated a self-signed development certificate for localhost/127.0.0.1: {certPath} (key {keyPath}); it is reused on later runs"
                : $"using the self-signed development certificate {certPath} (expires {certificate.NotAfter:yyyy-MM-dd})";
            diagnostics.Add(input.IsDevelopment
                ? new(GunicornEvent.DevelopmentCertificate, LogLevel.Information, message + ". Do not use it in production")
                : new(GunicornEvent.DevelopmentCertificate, LogLevel.Warning,
                    message + $". The environment is {input.EnvironmentName}, not Development: clients cannot verify a self-signed certificate. "
                    + "Set certfile and keyfile to a certificate from a CA (for example Let's Encrypt)"));
            return certificate;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            errors.Add($"certfile (embedded default): cannot create the development certificate at {certPath}: {ex.Message}; set certfile and keyfile");
            return null;
        }
    }

    internal static bool PathsEqual(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
