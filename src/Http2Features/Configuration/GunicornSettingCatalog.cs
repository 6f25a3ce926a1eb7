namespace Http2Features.Configuration;

/// <summary>The kind of value a setting takes.</summary>
internal enum SettingKind
{
    String,
    Integer,
    StringList,
    BindList,
}

/// <summary>One gunicorn setting the binder understands.</summary>
/// <param name="Name">gunicorn's own name (as in gunicorn.conf.py).</param>
/// <param name="Kind">Value kind.</param>
/// <param name="Flags">gunicorn's command-line spellings.</param>
/// <param name="Aliases">Other accepted names (for example <c>log_level</c> for <c>loglevel</c>).</param>
/// <param name="Min">Smallest allowed integer.</param>
/// <param name="Max">Largest allowed integer.</param>
/// <param name="RangeNote">Where the range comes from, shown in errors.</param>
internal sealed record SettingDefinition(
    string Name,
    SettingKind Kind,
    string[] Flags,
    string[]? Aliases = null,
    long Min = 0,
    long Max = int.MaxValue,
    string? RangeNote = null);

/// <summary>Every gunicorn setting the binder knows: the ones it applies and the ones it only reports.</summary>
internal static class GunicornSettingCatalog
{
    public const long MaxInt31 = int.MaxValue; // 2^31-1, RFC 9113 window and Kestrel int limits

    public static IReadOnlyList<SettingDefinition> Settings { get; } =
    [
        new("config", SettingKind.String, ["-c", "--config"]),
        new("bind", SettingKind.BindList, ["-b", "--bind"]),
        new("certfile", SettingKind.String, ["--certfile"]),
        new("keyfile", SettingKind.String, ["--keyfile"]),
        new("ca_certs", SettingKind.String, ["--ca-certs"]),
        new("cert_reqs", SettingKind.String, ["--cert-reqs"]),
        new("ssl_version", SettingKind.String, ["--ssl-version"]),
        new("ciphers", SettingKind.String, ["--ciphers"]),
        new("http_protocols", SettingKind.StringList, ["--http-protocols"]),
        new("http2_cleartext", SettingKind.String, ["--http2-cleartext"]),
        new("http2_max_concurrent_streams", SettingKind.Integer, ["--http2-max-concurrent-streams"],
            Min: 1, Max: MaxInt31, RangeNote: "Kestrel requires at least 1; SETTINGS_MAX_CONCURRENT_STREAMS is 32-bit"),
        new("http2_initial_window_size", SettingKind.Integer, ["--http2-initial-window-size"],
            Min: 65535, Max: MaxInt31, RangeNote: "RFC 9113 §6.5.2 allows up to 2^31-1; Kestrel's minimum is 65535"),
        new("http2_max_frame_size", SettingKind.Integer, ["--http2-max-frame-size"],
            Min: 16384, Max: 16777215, RangeNote: "RFC 9113 §6.5.2: 2^14..2^24-1"),
        new("http2_max_header_list_size", SettingKind.Integer, ["--http2-max-header-list-size"],
            Min: 1, Max: MaxInt31, RangeNote: "Kestrel's MaxRequestHeadersTotalSize must be positive"),
        new("workers", SettingKind.Integer, ["-w", "--workers"], Min: 1, Max: MaxInt31),
        new("threads", SettingKind.Integer, ["--threads"], Min: 1, Max: MaxInt31),
        new("worker_class", SettingKind.String, ["-k", "--worker-class"]),
        new("keepalive", SettingKind.Integer, ["--keep-alive"], Min: 1, Max: 24 * 3600,
            RangeNote: "seconds; Kestrel cannot turn keep-alive off (gunicorn's 0)"),
        new("timeout", SettingKind.Integer, ["-t", "--timeout"], Min: 0, Max: MaxInt31, RangeNote: "seconds, 0 = off"),
        new("graceful_timeout", SettingKind.Integer, ["--graceful-timeout"], Min: 0, Max: 24 * 3600, RangeNote: "seconds"),
        new("limit_request_line", SettingKind.Integer, ["--limit-request-line"], Min: 0, Max: MaxInt31, RangeNote: "bytes, 0 = unlimited"),
        new("limit_request_fields", SettingKind.Integer, ["--limit-request-fields"], Min: 1, Max: 32768, RangeNote: "gunicorn's maximum is 32768"),
        new("limit_request_field_size", SettingKind.Integer, ["--limit-request-field_size", "--limit-request-field-size"],
            Min: 0, Max: MaxInt31, RangeNote: "bytes, 0 = unlimited"),
        new("backlog", SettingKind.Integer, ["--backlog"], Min: 1, Max: MaxInt31),
        new("worker_connections", SettingKind.Integer, ["--worker-connections"], Min: 1, Max: MaxInt31),
        new("forwarded_allow_ips", SettingKind.StringList, ["--forwarded-allow-ips"]),
        new("loglevel", SettingKind.String, ["--log-level"], Aliases: ["log_level"]),
        new("accesslog", SettingKind.String, ["--access-logfile"], Aliases: ["access_logfile"]),
        new("access_log_format", SettingKind.String, ["--access-logformat"]),
        new("errorlog", SettingKind.String, ["--error-logfile", "--log-file"], Aliases: ["error_logfile"]),
    ];

    /// <summary>
    /// gunicorn settings that have no meaning for a Kestrel process: accepted, reported once as ignored,
    /// never an "unknown setting" warning.
    /// </summary>
    public static IReadOnlyDictionary<string, string> WithoutKestrelMeaning { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["wsgi_app"] = "the application is this ASP.NET Core app",
        ["logconfig"] = "configure Logging in appsettings.json instead",
        ["logconfig_dict"] = "configure Logging in appsettings.json instead",
        ["capture_output"] = "ASP.NET Core does not redirect stdout",
        ["daemon"] = "run under systemd or a container instead",
        ["pidfile"] = "run under systemd or a container instead",
        ["user"] = "run under systemd or a container instead",
        ["group"] = "run under systemd or a container instead",
        ["umask"] = "run under systemd or a container instead",
        ["chdir"] = "use the content root (--contentRoot) instead",
        ["raw_env"] = "set environment variables before start instead",
        ["proc_name"] = "the process name is the app's",
        ["preload_app"] = "a .NET app is always loaded once",
        ["reload"] = "use dotnet watch instead",
        ["reload_engine"] = "use dotnet watch instead",
        ["reload_extra_files"] = "use dotnet watch instead",
        ["max_requests"] = "Kestrel does not recycle processes",
        ["max_requests_jitter"] = "Kestrel does not recycle processes",
        ["worker_tmp_dir"] = "Kestrel has no worker heartbeat files",
        ["sendfile"] = "Kestrel decides itself",
        ["reuse_port"] = "Kestrel does not expose SO_REUSEPORT",
        ["secure_scheme_headers"] = "X-Forwarded-Proto is handled with forwarded_allow_ips",
        ["proxy_protocol"] = "Kestrel has no PROXY protocol support",
        ["proxy_allow_ips"] = "Kestrel has no PROXY protocol support",
        ["statsd_host"] = "use System.Diagnostics.Metrics / OpenTelemetry",
        ["statsd_prefix"] = "use System.Diagnostics.Metrics / OpenTelemetry",
        ["do_handshake_on_connect"] = "Kestrel always handshakes on connect",
        ["suppress_ragged_eofs"] = "SslStream decides itself",
        ["spew"] = "no Python tracing in .NET",
        ["check_config"] = "not applicable",
        ["print_config"] = "not applicable",
        ["initgroups"] = "run under systemd or a container instead",
        ["strip_header_spaces"] = "Kestrel rejects malformed headers itself",
        ["permit_unconventional_http_method"] = "Kestrel decides itself",
        ["permit_unconventional_http_version"] = "Kestrel decides itself",
        ["casefold_http_method"] = "Kestrel decides itself",
        ["header_map"] = "Kestrel decides itself",
        ["forwarder_headers"] = "X-Forwarded-For/-Proto are handled with forwarded_allow_ips",
        ["paste"] = "not applicable",
        ["tmp_upload_dir"] = "not applicable",
        ["limit_request_body"] = "use KestrelServerLimits.MaxRequestBodySize",
    };

    private static readonly Dictionary<string, SettingDefinition> ByName = BuildByName();
    private static readonly Dictionary<string, SettingDefinition> ByFlag = BuildByFlag();

    public static SettingDefinition Get(string name) => ByName[name];

    /// <summary>Finds a setting by its name or an alias, ignoring case and accepting dashes for underscores.</summary>
    public static bool TryFindByName(string name, out SettingDefinition definition) =>
        ByName.TryGetValue(name.Replace('-', '_'), out definition!);

    public static bool TryFindByFlag(string flag, out SettingDefinition definition) => ByFlag.TryGetValue(flag, out definition!);

    /// <summary>The known name closest to <paramref name="name"/> (edit distance), or null when nothing is close.</summary>
    public static string? ClosestName(string name)
    {
        var candidates = Settings.Select(s => s.Name).Concat(WithoutKestrelMeaning.Keys);
        return Closest(name.Replace('-', '_').ToLowerInvariant(), candidates);
    }

    /// <summary>The known flag closest to <paramref name="flag"/>, or null when nothing is close.</summary>
    public static string? ClosestFlag(string flag) =>
        Closest(flag.ToLowerInvariant(), Settings.SelectMany(s => s.Flags).Where(f => f.StartsWith("--", StringComparison.Ordinal)));

    private static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = EditDistance(input, candidate);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }

        // "Close" means at most a third of the name differs: enough for typos, not for unrelated words.
        return best is not null && bestDistance <= Math.Max(2, input.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static Dictionary<string, SettingDefinition> BuildByName()
    {
        var map = new Dictionary<string, SettingDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in Settings)
        {
            map[s.Name] = s;
            foreach (var alias in s.Aliases ?? [])
            {
                map[alias] = s;
            }
        }

        return map;
    }

    private static Dictionary<string, SettingDefinition> BuildByFlag()
    {
        var map = new Dictionary<string, SettingDefinition>(StringComparer.Ordinal);
        foreach (var s in Settings)
        {
            foreach (var flag in s.Flags)
            {
                map[flag] = s;
            }
        }

        return map;
    }
}
