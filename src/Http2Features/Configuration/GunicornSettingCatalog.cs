namespace Http2Features.Configuration;

/// <summary>The kind of value a setting takes (gunicorn's validator for it).</summary>
internal enum SettingKind
{
    /// <summary><c>validate_string</c>.</summary>
    String,

    /// <summary><c>validate_pos_int</c> and friends: an integer, also written <c>0x4000</c>, <c>0o600</c>, <c>1_000</c>.</summary>
    Integer,

    /// <summary><c>validate_bool</c>: True/False (flags: present means true).</summary>
    Boolean,

    /// <summary>A comma-separated string or a list of strings.</summary>
    StringList,

    /// <summary><c>bind</c>: one address or a list of addresses.</summary>
    BindList,

    /// <summary>A Python dict (file only).</summary>
    Dictionary,

    /// <summary>A server hook: a Python function (file only).</summary>
    Hook,
}

/// <summary>How a command-line flag takes its value (gunicorn's argparse action).</summary>
internal enum FlagArity
{
    /// <summary><c>--flag VALUE</c> or <c>--flag=VALUE</c>.</summary>
    Value,

    /// <summary><c>store_true</c>/<c>store_const</c>: the flag alone sets <see cref="SettingDefinition.FlagConstant"/>.</summary>
    None,

    /// <summary><c>nargs="?"</c>: a value when the next argument is not a flag, else <see cref="SettingDefinition.FlagConstant"/>.</summary>
    Optional,
}

/// <summary>One gunicorn setting: its name, flags, kind, range and what the binder does with it.</summary>
/// <param name="Name">gunicorn's own name (as in gunicorn.conf.py).</param>
/// <param name="Kind">Value kind.</param>
/// <param name="Flags">gunicorn's command-line spellings (none for file-only settings).</param>
internal sealed record SettingDefinition(string Name, SettingKind Kind, string[] Flags)
{
    /// <summary>Null when the binder applies the setting; otherwise why it is not applied (said once at start-up).</summary>
    public string? IgnoredBecause { get; init; }

    /// <summary>Other accepted names (for example <c>log_level</c> for <c>loglevel</c>).</summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>Smallest allowed integer.</summary>
    public long Min { get; init; }

    /// <summary>Largest allowed integer.</summary>
    public long Max { get; init; } = GunicornSettingCatalog.MaxInt31;

    /// <summary>Where the range comes from, shown in errors.</summary>
    public string? RangeNote { get; init; }

    /// <summary>How the flag takes its value.</summary>
    public FlagArity Arity { get; init; }

    /// <summary>The value a flag without a value stands for (<see cref="FlagArity.None"/>/<see cref="FlagArity.Optional"/>).</summary>
    public string? FlagConstant { get; init; }

    /// <summary>Whether repeating the flag adds to a list (<c>-b</c>, <c>-e</c>) instead of replacing it.</summary>
    public bool Repeatable { get; init; }

    /// <summary>
    /// Read and reported, but with nothing to apply (workers, threads, timeout): a computed value in the config file
    /// (<c>workers = multiprocessing.cpu_count() * 2 + 1</c>) is then a warning, not an error.
    /// </summary>
    public bool ReportedOnly { get; init; }

    /// <summary>Whether the binder applies it.</summary>
    public bool Applied => IgnoredBecause is null;

    /// <summary>The allowed integer range for messages, for example <c>an integer in 1..2147483647 (why)</c>.</summary>
    public string IntegerRange => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"an integer in {Min}..{Max}")
        + (RangeNote is null ? string.Empty : " (" + RangeNote + ")");
}

/// <summary>
/// Every setting of gunicorn 26 (gunicorn/config.py, 119 settings incl. 20 server hooks), each either applied to
/// Kestrel or ignored with the reason. The command-line and <c>GUNICORN_CMD_ARGS</c> flags come from here too; a test
/// compares this list with gunicorn's own (test/Http2Features.Tests/Configuration/gunicorn-settings.tsv).
/// </summary>
internal static class GunicornSettingCatalog
{
    public const long MaxInt31 = int.MaxValue; // 2^31-1, RFC 9113 window and Kestrel int limits

    private const string ProcessModel = "one Kestrel process serves every request; run it under systemd or a container for this";
    private const string NoPython = "there is no Python interpreter";
    private const string KestrelParser = "Kestrel's HTTP parser decides this itself (strict RFC 9110/9112 parsing)";
    private const string NoReload = "use dotnet watch for reloading";
    private const string UseMetrics = "use System.Diagnostics.Metrics with OpenTelemetry (meter \"Http2Features\" and Kestrel's own meters)";
    private const string LoggingProviders = "configure the ASP.NET Core logging providers (Logging in appsettings.json) instead";
    private const string Hook = "server hooks are Python functions; use IHostApplicationLifetime events or middleware instead";
    private const string DirtyArbiters = "gunicorn's dirty arbiters run Python apps; use a BackgroundService or a separate process instead";
    private const string ControlSocket = "gunicorn's control socket (gunicornc) has no Kestrel equivalent; use dotnet-counters/dotnet-trace";
    private const string AsgiOnly = "applies to gunicorn's ASGI worker only; Kestrel runs the ASP.NET Core app directly";

    public static IReadOnlyList<SettingDefinition> Settings { get; } =
    [
        // Config file
        new("config", SettingKind.String, ["-c", "--config"]),
        new("wsgi_app", SettingKind.String, []) { IgnoredBecause = "the application is this ASP.NET Core app" },

        // Server socket
        new("bind", SettingKind.BindList, ["-b", "--bind"]) { Repeatable = true },
        new("backlog", SettingKind.Integer, ["--backlog"]) { Min = 1, RangeNote = "the listen(2) queue length" },

        // Worker processes
        new("workers", SettingKind.Integer, ["-w", "--workers"]) { Min = 1, ReportedOnly = true },
        new("worker_class", SettingKind.String, ["-k", "--worker-class"]),
        new("threads", SettingKind.Integer, ["--threads"]) { Min = 1, ReportedOnly = true },
        new("worker_connections", SettingKind.Integer, ["--worker-connections"]) { Min = 1 },
        new("max_requests", SettingKind.Integer, ["--max-requests"]) { IgnoredBecause = "Kestrel does not recycle worker processes after N requests" },
        new("max_requests_jitter", SettingKind.Integer, ["--max-requests-jitter"]) { IgnoredBecause = "Kestrel does not recycle worker processes after N requests" },
        new("timeout", SettingKind.Integer, ["-t", "--timeout"]) { RangeNote = "seconds, 0 = off", ReportedOnly = true },
        new("graceful_timeout", SettingKind.Integer, ["--graceful-timeout"]) { Max = 24 * 3600, RangeNote = "seconds" },
        new("keepalive", SettingKind.Integer, ["--keep-alive"]) { Max = 24 * 3600, RangeNote = "seconds; 0 turns HTTP/1.1 keep-alive off" },

        // Security
        new("limit_request_line", SettingKind.Integer, ["--limit-request-line"]) { RangeNote = "bytes, 0 = gunicorn's unlimited (1 MiB)" },
        new("limit_request_fields", SettingKind.Integer, ["--limit-request-fields"]) { RangeNote = "0 or more than 32768 means gunicorn's maximum, 32768" },
        new("limit_request_field_size", SettingKind.Integer, ["--limit-request-field_size", "--limit-request-field-size"]) { RangeNote = "bytes, 0 = unlimited" },

        // Debugging
        new("reload", SettingKind.Boolean, ["--reload"]) { IgnoredBecause = NoReload, Arity = FlagArity.None, FlagConstant = "true" },
        new("reload_engine", SettingKind.String, ["--reload-engine"]) { IgnoredBecause = NoReload },
        new("reload_extra_files", SettingKind.StringList, ["--reload-extra-file"]) { IgnoredBecause = NoReload, Repeatable = true },
        new("spew", SettingKind.Boolean, ["--spew"]) { IgnoredBecause = NoPython + " to trace", Arity = FlagArity.None, FlagConstant = "true" },
        new("check_config", SettingKind.Boolean, ["--check-config"]) { IgnoredBecause = "the binder checks every setting at start-up anyway", Arity = FlagArity.None, FlagConstant = "true" },
        new("print_config", SettingKind.Boolean, ["--print-config"]) { IgnoredBecause = "run with loglevel = \"debug\" to see every applied setting", Arity = FlagArity.None, FlagConstant = "true" },

        // Server mechanics
        new("preload_app", SettingKind.Boolean, ["--preload"]) { IgnoredBecause = "a .NET app is always loaded once, before it serves", Arity = FlagArity.None, FlagConstant = "true" },
        new("sendfile", SettingKind.Boolean, ["--no-sendfile"]) { IgnoredBecause = "Kestrel decides how to write files itself", Arity = FlagArity.None, FlagConstant = "false" },
        new("reuse_port", SettingKind.Boolean, ["--reuse-port"]) { IgnoredBecause = "Kestrel's socket transport does not set SO_REUSEPORT (one process serves every core)", Arity = FlagArity.None, FlagConstant = "true" },
        new("chdir", SettingKind.String, ["--chdir"]) { IgnoredBecause = "use the content root (--contentRoot) instead" },
        new("daemon", SettingKind.Boolean, ["-D", "--daemon"]) { IgnoredBecause = ProcessModel, Arity = FlagArity.None, FlagConstant = "true" },
        new("raw_env", SettingKind.StringList, ["-e", "--env"]) { Repeatable = true },
        new("pidfile", SettingKind.String, ["-p", "--pid"]) { IgnoredBecause = ProcessModel },
        new("worker_tmp_dir", SettingKind.String, ["--worker-tmp-dir"]) { IgnoredBecause = "Kestrel has no worker heartbeat files" },
        new("user", SettingKind.String, ["-u", "--user"]) { IgnoredBecause = ProcessModel + " (User= in the unit, USER in the image)" },
        new("group", SettingKind.String, ["-g", "--group"]) { IgnoredBecause = ProcessModel + " (Group= in the unit)" },
        new("umask", SettingKind.Integer, ["-m", "--umask"]) { IgnoredBecause = ProcessModel + " (UMask= in the unit)", Max = 511 /* 0o777 */ },
        new("initgroups", SettingKind.Boolean, ["--initgroups"]) { IgnoredBecause = ProcessModel, Arity = FlagArity.None, FlagConstant = "true" },
        new("tmp_upload_dir", SettingKind.String, []) { IgnoredBecause = "ASP.NET Core buffers request bodies itself (ASPNETCORE_TEMP)" },
        new("secure_scheme_headers", SettingKind.Dictionary, []) { IgnoredBecause = "X-Forwarded-Proto from the peers in forwarded_allow_ips is the scheme header the binder applies" },
        new("forwarded_allow_ips", SettingKind.StringList, ["--forwarded-allow-ips"]),

        // Logging
        new("accesslog", SettingKind.String, ["--access-logfile"]) { Aliases = ["access_logfile"] },
        new("disable_redirect_access_to_syslog", SettingKind.Boolean, ["--disable-redirect-access-to-syslog"]) { IgnoredBecause = LoggingProviders, Arity = FlagArity.None, FlagConstant = "true" },
        new("access_log_format", SettingKind.String, ["--access-logformat"]),
        new("errorlog", SettingKind.String, ["--error-logfile", "--log-file"]) { Aliases = ["error_logfile"] },
        new("loglevel", SettingKind.String, ["--log-level"]) { Aliases = ["log_level"] },
        new("capture_output", SettingKind.Boolean, ["--capture-output"]) { IgnoredBecause = "ASP.NET Core does not redirect stdout", Arity = FlagArity.None, FlagConstant = "true" },
        new("logger_class", SettingKind.String, ["--logger-class"]) { IgnoredBecause = LoggingProviders },
        new("logconfig", SettingKind.String, ["--log-config"]) { IgnoredBecause = LoggingProviders },
        new("logconfig_dict", SettingKind.Dictionary, []) { IgnoredBecause = LoggingProviders },
        new("logconfig_json", SettingKind.String, ["--log-config-json"]) { IgnoredBecause = LoggingProviders },
        new("syslog_addr", SettingKind.String, ["--log-syslog-to"]) { IgnoredBecause = LoggingProviders + " (journald captures the console)" },
        new("syslog", SettingKind.Boolean, ["--log-syslog"]) { IgnoredBecause = LoggingProviders + " (journald captures the console)", Arity = FlagArity.None, FlagConstant = "true" },
        new("syslog_prefix", SettingKind.String, ["--log-syslog-prefix"]) { IgnoredBecause = LoggingProviders },
        new("syslog_facility", SettingKind.String, ["--log-syslog-facility"]) { IgnoredBecause = LoggingProviders },
        new("enable_stdio_inheritance", SettingKind.Boolean, ["-R", "--enable-stdio-inheritance"]) { IgnoredBecause = "a .NET process writes its own stdio", Arity = FlagArity.None, FlagConstant = "true" },
        new("statsd_host", SettingKind.String, ["--statsd-host"]) { IgnoredBecause = UseMetrics },
        new("dogstatsd_tags", SettingKind.String, ["--dogstatsd-tags"]) { IgnoredBecause = UseMetrics },
        new("statsd_prefix", SettingKind.String, ["--statsd-prefix"]) { IgnoredBecause = UseMetrics },
        new("enable_backlog_metric", SettingKind.Boolean, ["--enable-backlog-metric"]) { IgnoredBecause = UseMetrics + " (kestrel.queued_connections)", Arity = FlagArity.None, FlagConstant = "true" },

        // Process naming
        new("proc_name", SettingKind.String, ["-n", "--name"]) { IgnoredBecause = "the process name is the app's" },
        new("default_proc_name", SettingKind.String, []) { IgnoredBecause = "the process name is the app's" },

        // Server mechanics (Python)
        new("pythonpath", SettingKind.String, ["--pythonpath"]) { IgnoredBecause = NoPython },
        new("paste", SettingKind.String, ["--paste", "--paster"]) { IgnoredBecause = NoPython + " (PasteDeploy)" },

        // Server hooks
        .. new[]
        {
            "on_starting", "on_reload", "when_ready", "pre_fork", "post_fork", "post_worker_init", "worker_int", "worker_abort",
            "pre_exec", "pre_request", "post_request", "child_exit", "worker_exit", "nworkers_changed", "on_exit", "ssl_context",
        }.Select(name => new SettingDefinition(name, SettingKind.Hook, []) { IgnoredBecause = Hook }),

        // PROXY protocol: UseProxyProtocol (Connection/ProxyProtocol) on every endpoint, before TLS
        new("proxy_protocol", SettingKind.String, ["--proxy-protocol"]) { Arity = FlagArity.Optional, FlagConstant = "auto" },
        new("proxy_allow_ips", SettingKind.StringList, ["--proxy-allow-from"]),
        new("protocol", SettingKind.String, ["--protocol"]) { IgnoredBecause = "Kestrel speaks HTTP only (gunicorn's uwsgi protocol has no Kestrel reader)" },
        new("uwsgi_allow_ips", SettingKind.StringList, ["--uwsgi-allow-from"]) { IgnoredBecause = "Kestrel speaks HTTP only (gunicorn's uwsgi protocol has no Kestrel reader)" },

        // SSL
        new("keyfile", SettingKind.String, ["--keyfile"]),
        new("certfile", SettingKind.String, ["--certfile"]),
        new("ssl_version", SettingKind.String, ["--ssl-version"]) { IgnoredBecause = "deprecated and ignored by gunicorn itself; TLS 1.2 and 1.3 are negotiated as the OS allows" },
        new("cert_reqs", SettingKind.String, ["--cert-reqs"]),
        new("ca_certs", SettingKind.String, ["--ca-certs"]),
        new("suppress_ragged_eofs", SettingKind.Boolean, ["--suppress-ragged-eofs"]) { IgnoredBecause = "SslStream reports a TLS close without close_notify as the end of the stream itself", Arity = FlagArity.None, FlagConstant = "true" },
        new("do_handshake_on_connect", SettingKind.Boolean, ["--do-handshake-on-connect"]) { IgnoredBecause = "Kestrel always completes the TLS handshake on connect", Arity = FlagArity.None, FlagConstant = "true" },
        new("ciphers", SettingKind.String, ["--ciphers"]),

        // HTTP/2
        new("http_protocols", SettingKind.StringList, ["--http-protocols"]),
        new("http2_cleartext", SettingKind.String, ["--http2-cleartext"]),
        new("http2_max_concurrent_streams", SettingKind.Integer, ["--http2-max-concurrent-streams"])
        {
            Min = 1, RangeNote = "Kestrel requires at least 1; SETTINGS_MAX_CONCURRENT_STREAMS is 32-bit",
        },
        new("http2_initial_window_size", SettingKind.Integer, ["--http2-initial-window-size"])
        {
            Min = 65535, RangeNote = "RFC 9113 §6.5.2 allows up to 2^31-1; Kestrel's minimum is 65535",
        },
        new("http2_max_frame_size", SettingKind.Integer, ["--http2-max-frame-size"]) { Min = 16384, Max = 16777215, RangeNote = "RFC 9113 §6.5.2: 2^14..2^24-1" },
        new("http2_max_header_list_size", SettingKind.Integer, ["--http2-max-header-list-size"])
        {
            Min = 1, RangeNote = "bytes; Kestrel needs a limit, so gunicorn's 0 (unlimited) cannot be expressed",
        },

        // Server mechanics (parser knobs and the rest)
        new("raw_paste_global_conf", SettingKind.StringList, ["--paste-global"]) { IgnoredBecause = NoPython + " (PasteDeploy)", Repeatable = true },
        new("permit_obsolete_folding", SettingKind.Boolean, ["--permit-obsolete-folding"]) { IgnoredBecause = KestrelParser, Arity = FlagArity.None, FlagConstant = "true" },
        new("strip_header_spaces", SettingKind.Boolean, ["--strip-header-spaces"]) { IgnoredBecause = KestrelParser, Arity = FlagArity.None, FlagConstant = "true" },
        new("permit_unconventional_http_method", SettingKind.Boolean, ["--permit-unconventional-http-method"]) { IgnoredBecause = KestrelParser, Arity = FlagArity.None, FlagConstant = "true" },
        new("permit_unconventional_http_version", SettingKind.Boolean, ["--permit-unconventional-http-version"]) { IgnoredBecause = KestrelParser, Arity = FlagArity.None, FlagConstant = "true" },
        new("casefold_http_method", SettingKind.Boolean, ["--casefold-http-method"]) { IgnoredBecause = KestrelParser, Arity = FlagArity.None, FlagConstant = "true" },
        new("forwarder_headers", SettingKind.StringList, ["--forwarder-headers"]) { IgnoredBecause = "WSGI environ variables (SCRIPT_NAME, PATH_INFO) do not exist in ASP.NET Core; use UsePathBase" },
        new("header_map", SettingKind.String, ["--header-map"]) { IgnoredBecause = "there is no WSGI environ to map headers into; Kestrel passes header names as they are" },
        new("asgi_loop", SettingKind.String, ["--asgi-loop"]) { IgnoredBecause = AsgiOnly },
        new("asgi_lifespan", SettingKind.String, ["--asgi-lifespan"]) { IgnoredBecause = AsgiOnly + " (use IHostApplicationLifetime)" },
        new("asgi_disconnect_grace_period", SettingKind.Integer, ["--asgi-disconnect-grace-period"]) { IgnoredBecause = AsgiOnly },
        new("http_parser", SettingKind.String, ["--http-parser"]) { IgnoredBecause = "Kestrel has one HTTP parser" },
        new("root_path", SettingKind.String, ["--root-path"]) { IgnoredBecause = "use app.UsePathBase(\"/prefix\") for a mount point" },

        // Dirty arbiters
        new("dirty_apps", SettingKind.StringList, ["--dirty-app"]) { IgnoredBecause = DirtyArbiters, Repeatable = true },
        new("dirty_workers", SettingKind.Integer, ["--dirty-workers"]) { IgnoredBecause = DirtyArbiters },
        new("dirty_timeout", SettingKind.Integer, ["--dirty-timeout"]) { IgnoredBecause = DirtyArbiters },
        new("dirty_threads", SettingKind.Integer, ["--dirty-threads"]) { IgnoredBecause = DirtyArbiters },
        new("dirty_graceful_timeout", SettingKind.Integer, ["--dirty-graceful-timeout"]) { IgnoredBecause = DirtyArbiters },
        .. new[] { "on_dirty_starting", "dirty_post_fork", "dirty_worker_init", "dirty_worker_exit" }
            .Select(name => new SettingDefinition(name, SettingKind.Hook, []) { IgnoredBecause = DirtyArbiters }),

        // Control socket
        new("control_socket", SettingKind.String, ["--control-socket"]) { IgnoredBecause = ControlSocket },
        new("control_socket_mode", SettingKind.Integer, ["--control-socket-mode"]) { IgnoredBecause = ControlSocket, Max = 4095 /* 0o7777 */ },
        new("control_socket_disable", SettingKind.Boolean, ["--no-control-socket"]) { IgnoredBecause = ControlSocket, Arity = FlagArity.None, FlagConstant = "true" },
    ];

    /// <summary>
    /// Names people bring from other servers that gunicorn does not have: reported with what to use instead,
    /// never as a typo of a gunicorn setting.
    /// </summary>
    public static IReadOnlyDictionary<string, string> NotGunicornSettings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["limit_request_body"] = "gunicorn has no request body limit (that is uWSGI's/nginx's client_max_body_size); Kestrel limits bodies with KestrelServerLimits.MaxRequestBodySize (default 30000000 bytes): set Kestrel:Limits:MaxRequestBodySize in appsettings.json, or [RequestSizeLimit] per endpoint",
    };

    private static readonly Dictionary<string, SettingDefinition> ByName = BuildByName();
    private static readonly Dictionary<string, SettingDefinition> ByFlag = BuildByFlag();

    public static SettingDefinition Get(string name) => ByName[name];

    /// <summary>Finds a setting by its name or an alias, ignoring case and accepting dashes for underscores.</summary>
    public static bool TryFindByName(string name, out SettingDefinition definition) =>
        ByName.TryGetValue(name.Replace('-', '_'), out definition!);

    public static bool TryFindByFlag(string flag, out SettingDefinition definition) => ByFlag.TryGetValue(flag, out definition!);

    /// <summary>The known name closest to <paramref name="name"/> (edit distance), or null when nothing is close.</summary>
    public static string? ClosestName(string name) =>
        Closest(name.Replace('-', '_').ToLowerInvariant(), Settings.Select(s => s.Name));

    /// <summary>The known flag closest to <paramref name="flag"/>, or null when nothing is close.</summary>
    public static string? ClosestFlag(string flag) =>
        Closest(flag.ToLowerInvariant(), Settings.SelectMany(s => s.Flags).Where(f => f.StartsWith("--", StringComparison.Ordinal)));

    private static string? Closest(string input, IEnumerable<string> candidates)
    {
        // Unbounded input (a 100 kB flag) must not cost a quadratic edit distance.
        if (input.Length > 64)
        {
            return null;
        }

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
            map.Add(s.Name, s);
            foreach (var alias in s.Aliases)
            {
                map.Add(alias, s);
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
                map.Add(flag, s);
            }
        }

        return map;
    }
}
