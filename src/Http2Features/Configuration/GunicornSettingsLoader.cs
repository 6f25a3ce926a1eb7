using System.Globalization;
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

    /// <summary>
    /// The value of <c>FORWARDED_ALLOW_IPS</c>, or null when unset: gunicorn's default for <c>forwarded_allow_ips</c>,
    /// so every source that sets the setting wins over it.
    /// </summary>
    public string? ForwardedAllowIpsVariable { get; init; }

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

/// <summary>
/// Merges the gunicorn sources (config file &lt; IConfiguration section &lt; GUNICORN_CMD_ARGS &lt; command line), then
/// hands the merged values to one binder per concern (listen, TLS, protocols, limits, forwarding, logging,
/// process), each returning its own record. Never throws on user input: every problem becomes one
/// <see cref="SettingError"/>.
/// </summary>
internal static class GunicornSettingsLoader
{
    public const string EmbeddedDefaultBind = ListenBinder.EmbeddedDefaultBind;

    /// <summary>Largest config file read. gunicorn.conf.py files are a few kB; the bound keeps start-up memory small.</summary>
    public const long MaxConfigFileBytes = 2 * 1024 * 1024;

    public static GunicornLoadResult Load(GunicornLoadInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<SettingError>();
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
                errors.Add(new SettingError(GunicornOptions.EnvironmentVariableName, null, SettingText.Safe(input.EnvironmentArguments), ex.Message, "POSIX shell quoting, as Python's shlex.split reads it"));
            }
        }

        diagnostics.AddRange(cli.Warnings);
        diagnostics.AddRange(env.Warnings);

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

        // 4. Precedence: FORWARDED_ALLOW_IPS (gunicorn's default) < file < configuration < GUNICORN_CMD_ARGS < command line;
        // repeatable flags accumulate within one source.
        List<RawSetting> fromDefaults = string.IsNullOrWhiteSpace(input.ForwardedAllowIpsVariable)
            ? []
            : [new RawSetting("forwarded_allow_ips", input.ForwardedAllowIpsVariable, new SettingSource(SettingSourceKind.Default, "environment variable " + GunicornOptions.ForwardedAllowIpsVariableName))];
        var merged = new Dictionary<string, RawSetting>(StringComparer.Ordinal);
        foreach (var layer in new[] { fromDefaults, fromFile, fromConfiguration, env.Settings, cli.Settings })
        {
            var lists = new Dictionary<string, (List<object?> Items, SettingSource Source)>(StringComparer.Ordinal);
            foreach (var raw in layer)
            {
                if (raw.Name == "config")
                {
                    continue;
                }

                if (raw.Value is string single && layer != fromDefaults && layer != fromFile && layer != fromConfiguration && GunicornSettingCatalog.Get(raw.Name).Repeatable)
                {
                    if (!lists.TryGetValue(raw.Name, out var list))
                    {
                        lists[raw.Name] = list = ([], raw.Source);
                    }

                    list.Items.Add(single);
                    continue;
                }

                merged[raw.Name] = raw;
            }

            foreach (var (name, (items, source)) in lists)
            {
                merged[name] = new RawSetting(name, items, source, items.Count == 1 ? (string)items[0]! : null);
            }
        }

        if (configRaw is not null)
        {
            merged["config"] = configRaw;
        }

        var reader = new SettingReader(merged);
        var settings = Bind(reader, input);
        errors.AddRange(reader.Errors);
        diagnostics.AddRange(reader.Diagnostics);
        return new GunicornLoadResult(errors.Count == 0 ? settings : null, errors, diagnostics);
    }

    /// <summary>One binder per concern; each reads only its own settings (and what it is handed explicitly).</summary>
    private static GunicornSettings Bind(SettingReader r, GunicornLoadInput input)
    {
        var listen = ListenBinder.Bind(r, input);
        var tls = TlsBinder.Bind(r, input, listen, out var tlsRequested);
        var protocols = ProtocolBinder.Bind(r, tlsRequested, hasEndpoints: listen.Binds.Count > 0, listen.AppEndpoints);
        var settings = new GunicornSettings
        {
            Values = r.Values,
            Listen = listen,
            Tls = tls,
            Protocols = protocols,
            Limits = LimitsBinder.Bind(r),
            Forwarding = ForwardingBinder.Bind(r),
            ProxyProtocol = ProxyProtocolBinder.Bind(r),
            Logging = LoggingBinder.Bind(r, input.ContentRoot),
            Process = ProcessBinder.Bind(r),
        };
        ReportIgnored(r);
        return settings;
    }

    /// <summary>Settings gunicorn has and Kestrel has no use for: checked as gunicorn's validator would, then reported once with the reason.</summary>
    private static void ReportIgnored(SettingReader r)
    {
        foreach (var raw in r.Values.Values)
        {
            var definition = GunicornSettingCatalog.Get(raw.Name);
            if (definition.Applied || definition.Kind == SettingKind.Hook || raw.Value is null)
            {
                continue;
            }

            var valid = definition.Kind switch
            {
                SettingKind.Integer => r.Integer(raw.Name) is not null,
                SettingKind.Boolean => r.Boolean(raw.Name) is not null,
                SettingKind.String => r.String(raw.Name) is not null,
                SettingKind.StringList => r.List(raw.Name) is not null,
                _ => true,
            };
            if (valid)
            {
                var (name, source, reason) = (raw.Name, raw.Source.Description, definition.IgnoredBecause!); // not Applied: it has a reason
                r.Report(l => GunicornLog.SettingIgnored(l, name, source, reason));
            }
        }
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
                    .Select(c => (object?)(c.Value ?? string.Empty))
                    .ToList();
            }

            result.Add(new RawSetting(definition.Name, value, SettingSource.ConfigurationKey(child.Path)));
        }

        return result;
    }

    private static void ReadConfigFile(RawSetting configRaw, GunicornLoadInput input, List<RawSetting> into, List<SettingError> errors, List<GunicornDiagnostic> diagnostics)
    {
        if (configRaw.Value is not string path || path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(SettingError.For(configRaw, configRaw.Value is string { Length: > 0 } ? "the path contains a NUL character" : "not a file path", "a file path, for example -c gunicorn.conf.py"));
            return;
        }

        if (path.StartsWith("python:", StringComparison.Ordinal))
        {
            errors.Add(SettingError.For(configRaw, "python: module configs cannot be read outside Python", "the path of the .py file"));
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
            errors.Add(SettingError.For(configRaw, "file not found: " + SettingText.Safe(full)));
            return;
        }

        string text;
        try
        {
            // Check the size on the open handle, then read at most the limit: a file that grows meanwhile is still bounded.
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            if (stream.Length > MaxConfigFileBytes)
            {
                errors.Add(SettingError.For(configRaw,
                    string.Create(CultureInfo.InvariantCulture, $"{SettingText.Safe(full)} is {stream.Length} bytes; the binder reads config files of at most {SettingReader.Bytes(MaxConfigFileBytes)} bytes"),
                    "a gunicorn.conf.py of literal assignments (a few kB)"));
                return;
            }

            using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
            var buffer = new char[(int)stream.Length + 1];
            var length = reader.ReadBlock(buffer, 0, buffer.Length);
            if (length > MaxConfigFileBytes)
            {
                errors.Add(SettingError.For(configRaw, SettingText.Safe(full) + " grew beyond the size limit while being read"));
                return;
            }

            text = new string(buffer, 0, length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(SettingError.For(configRaw, "cannot read " + SettingText.Safe(full) + ": " + SettingText.Safe(ex.Message)));
            return;
        }

        var parsed = GunicornConfigFileParser.Parse(text, name => GunicornSettingCatalog.TryFindByName(name, out _));
        foreach (var warning in parsed.Warnings)
        {
            if (warning.Setting is { } name && GunicornSettingCatalog.TryFindByName(name, out var computed) && computed.Applied && !computed.ReportedOnly && computed.Name != "config")
            {
                // A value the binder cannot read for a setting it applies: gunicorn would use it, so going on without it would serve something else.
                errors.Add(new SettingError(computed.Name, SettingSource.File(full, warning.Line), null, warning.Reason));
                continue;
            }

            var (file, line, reason) = (SettingText.Safe(full), warning.Line, warning.Reason);
            diagnostics.Add(new(l => GunicornLog.ConfigFileStatementIgnored(l, file, line, reason)));
        }

        if (parsed.WarningsLeftOut > 0)
        {
            var (file, count) = (SettingText.Safe(full), parsed.WarningsLeftOut);
            diagnostics.Add(new(l => GunicornLog.ConfigFileStatementsNotListed(l, file, count)));
        }

        foreach (var (name, line) in parsed.OtherNames ?? [])
        {
            // Lower-case names are settings; anything else is a helper variable of the file.
            if (string.Equals(name, name.ToLowerInvariant(), StringComparison.Ordinal) && !name.StartsWith('_'))
            {
                ReportUnknown(name, SettingSource.File(full, line), diagnostics);
            }
        }

        if (parsed.OtherNamesLeftOut > 0)
        {
            var (file, count) = (SettingText.Safe(full), parsed.OtherNamesLeftOut);
            diagnostics.Add(new(l => GunicornLog.UnknownSettingsNotListed(l, file, count)));
        }

        foreach (var a in parsed.Assignments)
        {
            var source = SettingSource.File(full, a.Line);
            GunicornSettingCatalog.TryFindByName(a.Name, out var definition);
            if (definition!.Name == "config")
            {
                diagnostics.Add(new(l => GunicornLog.NestedConfigIgnored(l, source.Description)));
                continue;
            }

            into.Add(new RawSetting(definition.Name, a.Value, source, a.Written));
        }
    }

    private static void ReportUnknown(string name, SettingSource source, List<GunicornDiagnostic> diagnostics)
    {
        var shown = SettingText.Safe(name);
        var where = source.Description;
        if (GunicornSettingCatalog.NotGunicornSettings.TryGetValue(name, out var instead))
        {
            diagnostics.Add(new(l => GunicornLog.NotAGunicornSetting(l, shown, where, instead)));
            return;
        }

        var closest = GunicornSettingCatalog.ClosestName(name);
        diagnostics.Add(closest is null
            ? new(l => GunicornLog.UnknownSetting(l, shown, where))
            : new(l => GunicornLog.UnknownSettingWithSuggestion(l, shown, where, closest)));
    }
}
