using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using FluentAssertions;
using Http2Features.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Ids = Http2Features.Http2FeaturesEventIds.Configuration;

namespace Http2Features.Tests.Configuration;

public sealed class GunicornSettingsLoaderTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    public enum Source
    {
        File,
        Configuration,
        Environment,
        CommandLine,
    }

    /// <summary>setting, flag, value as text, Python literal for the file, what the loaded result must show.</summary>
    private static readonly (string Name, string Flag, string Text, string Python, Func<GunicornLoadResult, object?> Get, object? Expected)[] Rows =
        [
            ("http2_max_concurrent_streams", "--http2-max-concurrent-streams", "7", "7", r => r.Settings!.Limits.MaxConcurrentStreams, 7),
            ("http2_initial_window_size", "--http2-initial-window-size", "131072", "128 * 1024", r => r.Settings!.Limits.InitialWindowSize, 131072),
            ("http2_max_frame_size", "--http2-max-frame-size", "32768", "32768", r => r.Settings!.Limits.MaxFrameSize, 32768),
            ("http2_max_header_list_size", "--http2-max-header-list-size", "65536", "65536", r => r.Settings!.Limits.MaxHeaderListSize, 65536),
            ("keepalive", "--keep-alive", "75", "75", r => r.Settings!.Limits.KeepAliveSeconds, 75),
            ("graceful_timeout", "--graceful-timeout", "12", "12", r => r.Settings!.Process.GracefulTimeoutSeconds, 12),
            ("limit_request_line", "--limit-request-line", "4094", "4094", r => r.Settings!.Limits.RequestLine, 4094),
            ("limit_request_fields", "--limit-request-fields", "50", "50", r => r.Settings!.Limits.RequestFields, 50),
            ("limit_request_field_size", "--limit-request-field_size", "8190", "8190", r => r.Settings!.Limits.RequestFieldSize, 8190),
            ("backlog", "--backlog", "2048", "2048", r => r.Settings!.Process.Backlog, 2048),
            ("worker_connections", "--worker-connections", "1000", "1000", r => r.Settings!.Limits.WorkerConnections, 1000),
            ("bind", "-b", "127.0.0.1:9001", "\"127.0.0.1:9001\"", r => r.Settings!.Listen.Binds.Single().ToString(), "127.0.0.1:9001"),
            ("http_protocols", "--http-protocols", "h1", "[\"h1\"]", r => r.Settings!.Protocols.Protocols, HttpProtocols.Http1),
            ("loglevel", "--log-level", "debug", "\"debug\"", r => r.Settings!.Logging.Level, LogLevel.Debug),
            ("accesslog", "--access-logfile", "-", "\"-\"", r => r.Settings!.Logging.AccessLog, "-"),
            ("ssl_version", "--ssl-version", "TLSv1_2", "\"TLSv1_2\"", r => r.Logged().Single(d => d.Field("Setting") == "ssl_version").Id.Id, Ids.GunicornSettingIgnored),
            ("ciphers", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256", "\"ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256\"",
                r => string.Join(",", r.Settings!.Tls.CipherSuites!), "TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            ("forwarded_allow_ips", "--forwarded-allow-ips", "10.0.0.1,10.1.0.0/16", "\"10.0.0.1,10.1.0.0/16\"",
                r => r.Settings!.Forwarding.Proxies!.Single() + " " + r.Settings.Forwarding.Networks!.Single(), "10.0.0.1 10.1.0.0/16"),
            ("worker_class", "-k", "sync", "\"sync\"", r => r.Settings!.Values["worker_class"].Value, "sync"),
            ("workers", "-w", "3", "3", r => r.Logged().Single(d => d.Field("Setting") == "workers" && d.Field("Value") == "3").Id.Id, Ids.GunicornProcessSettingNotApplied),
            ("threads", "--threads", "4", "4", r => r.Logged().Single(d => d.Field("Setting") == "threads" && d.Field("Value") == "4").Id.Id, Ids.GunicornProcessSettingNotApplied),
            ("timeout", "-t", "30", "30", r => r.Logged().Single(d => d.Field("Setting") == "timeout" && d.Field("Value") == "30").Id.Id, Ids.GunicornProcessSettingNotApplied),
        ];

    public static TheoryData<string, Source> EverySettingFromEverySource()
    {
        var data = new TheoryData<string, Source>();
        foreach (var row in Rows)
        {
            foreach (var source in Enum.GetValues<Source>())
            {
                data.Add(row.Name, source);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EverySettingFromEverySource))]
    public void Each_setting_is_read_from_each_source(string name, Source source)
    {
        var (_, flag, text, python, get, expected) = Rows.Single(r => r.Name == name);
        var result = source switch
        {
            Source.File => _files.Load(args: ["-c", _files.Write("gunicorn.conf.py", $"{name} = {python}\n")]),
            Source.Configuration => _files.Load(configuration: new Dictionary<string, string?> { ["Gunicorn:" + name] = text }),
            Source.Environment => _files.Load(environment: $"{flag} '{text}'"),
            _ => _files.Load(args: [flag.StartsWith("--", StringComparison.Ordinal) ? flag + "=" + text : flag, .. flag.StartsWith("--", StringComparison.Ordinal) ? Array.Empty<string>() : [text]]),
        };

        result.ErrorMessages.Should().BeEmpty();
        get(result).Should().Be(expected);
        result.Settings!.Values[name].Source.Kind.Should().Be(source switch
        {
            Source.File => SettingSourceKind.ConfigFile,
            Source.Configuration => SettingSourceKind.Configuration,
            Source.Environment => SettingSourceKind.EnvironmentVariable,
            _ => SettingSourceKind.CommandLine,
        });
    }

    [Theory]
    [InlineData(Source.File)]
    [InlineData(Source.Configuration)]
    [InlineData(Source.Environment)]
    [InlineData(Source.CommandLine)]
    public void Certfile_and_keyfile_are_read_from_each_source(Source source)
    {
        var (cert, key) = _files.Certificate();
        var result = source switch
        {
            Source.File => _files.Load(configFile: _files.Write("tls.conf.py", $"certfile = \"{cert}\"\nkeyfile = \"{key}\"\n")),
            Source.Configuration => _files.Load(configuration: new Dictionary<string, string?> { ["Gunicorn:certfile"] = cert, ["Gunicorn:keyfile"] = key }),
            Source.Environment => _files.Load(environment: $"--certfile {cert} --keyfile={key}"),
            _ => _files.Load(args: ["--certfile", cert, "--keyfile", key]),
        };

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Tls.Enabled.Should().BeTrue();
        result.Settings.Tls.Certificate!.HasPrivateKey.Should().BeTrue();
        result.Settings.Protocols.Protocols.Should().Be(HttpProtocols.Http1AndHttp2);
        result.Settings.Protocols.AlpnOrder.Should().Equal(SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
    }

    [Theory]
    [InlineData(Source.File)]
    [InlineData(Source.Configuration)]
    [InlineData(Source.Environment)]
    [InlineData(Source.CommandLine)]
    public void Client_certificate_settings_are_read_from_each_source(Source source)
    {
        var (cert, key) = _files.Certificate();
        var (ca, _) = _files.Certificate("ca");
        var result = source switch
        {
            Source.File => _files.Load(configFile: _files.Write("mtls.conf.py", $"certfile = \"{cert}\"\nkeyfile = \"{key}\"\ncert_reqs = 2\nca_certs = \"{ca}\"\n")),
            Source.Configuration => _files.Load(configuration: new Dictionary<string, string?>
            {
                ["Gunicorn:certfile"] = cert, ["Gunicorn:keyfile"] = key, ["Gunicorn:cert_reqs"] = "2", ["Gunicorn:ca_certs"] = ca,
            }),
            Source.Environment => _files.Load(environment: $"--certfile {cert} --keyfile {key} --cert-reqs 2 --ca-certs {ca}"),
            _ => _files.Load(args: ["--certfile", cert, "--keyfile", key, "--cert-reqs=2", "--ca-certs", ca]),
        };

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Tls.ClientCertificateMode.Should().Be(ClientCertificateMode.RequireCertificate);
        result.Settings.Tls.ClientCertificateAuthorities.Should().ContainSingle();
    }

    [Theory]
    [InlineData(Source.File)]
    [InlineData(Source.Configuration)]
    [InlineData(Source.Environment)]
    [InlineData(Source.CommandLine)]
    public void Http2_cleartext_is_read_from_each_source(Source source)
    {
        var result = source switch
        {
            Source.File => _files.Load(configFile: _files.Write("h2c.conf.py", "bind = \"127.0.0.1:0\"\nhttp_protocols = [\"h2\"]\nhttp2_cleartext = \"prior-knowledge\"\n")),
            Source.Configuration => _files.Load(configuration: new Dictionary<string, string?>
            {
                ["Gunicorn:bind"] = "127.0.0.1:0", ["Gunicorn:http_protocols"] = "h2", ["Gunicorn:http2_cleartext"] = "prior-knowledge",
            }),
            Source.Environment => _files.Load(environment: "-b 127.0.0.1:0 --http-protocols h2 --http2-cleartext prior-knowledge"),
            _ => _files.Load(args: ["-b", "127.0.0.1:0", "--http-protocols=h2", "--http2-cleartext=prior-knowledge"]),
        };

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Protocols.PriorKnowledgeForTrustedPeersOnly.Should().BeTrue();
        result.Settings.Protocols.Cleartext.Should().Be(Http2Cleartext.PriorKnowledge);
    }

    [Fact]
    public void Later_sources_override_earlier_ones()
    {
        var file = _files.Write("gunicorn.conf.py", "http2_max_concurrent_streams = 1\nbacklog = 11\nthreads = 2\nworkers = 5\n");
        var config = new Dictionary<string, string?>
        {
            ["Gunicorn:http2_max_concurrent_streams"] = "2",
            ["Gunicorn:backlog"] = "22",
            ["Gunicorn:threads"] = "3",
        };

        var all = _files.Load(configuration: config, environment: "--http2-max-concurrent-streams 3 --backlog 33", args: ["-c", file, "--http2-max-concurrent-streams=4"]);
        var noCli = _files.Load(configuration: config, environment: "--http2-max-concurrent-streams 3", args: ["-c", file]);
        var noEnv = _files.Load(configuration: config, args: ["-c", file]);
        var fileOnly = _files.Load(args: ["-c", file]);

        all.Settings!.Limits.MaxConcurrentStreams.Should().Be(4);
        all.Settings.Process.Backlog.Should().Be(33);
        all.Settings.Values["threads"].Source.Kind.Should().Be(SettingSourceKind.Configuration);
        all.Settings.Values["workers"].Source.Description.Should().Be(file + ":4");
        noCli.Settings!.Limits.MaxConcurrentStreams.Should().Be(3);
        noEnv.Settings!.Limits.MaxConcurrentStreams.Should().Be(2);
        fileOnly.Settings!.Limits.MaxConcurrentStreams.Should().Be(1);
    }

    [Fact]
    public void Bind_flags_accumulate_within_a_source_and_replace_earlier_sources()
    {
        var file = _files.Write("gunicorn.conf.py", "bind = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n");

        var fromFile = _files.Load(args: ["-c", file]);
        var fromCli = _files.Load(args: ["-c", file, "-b", "127.0.0.1:3", "--bind", "[::1]:4", "--bind=unix:/tmp/h2f.sock"]);
        var fromJsonArray = _files.Load(configuration: new Dictionary<string, string?> { ["Gunicorn:bind:0"] = "127.0.0.1:5", ["Gunicorn:bind:1"] = "127.0.0.1:6" });

        fromFile.Settings!.Listen.Binds.Select(b => b.ToString()).Should().Equal("127.0.0.1:1", "127.0.0.1:2");
        fromCli.Settings!.Listen.Binds.Select(b => b.ToString()).Should().Equal("127.0.0.1:3", "[::1]:4", "unix:/tmp/h2f.sock");
        fromJsonArray.Settings!.Listen.Binds.Select(b => b.ToString()).Should().Equal("127.0.0.1:5", "127.0.0.1:6");
    }

    [Theory]
    [InlineData("0.0.0.0:8443", "Ip", "0.0.0.0", 8443)]
    [InlineData("[::]:8443", "Ip", "::", 8443)]
    [InlineData("[::1]:1", "Ip", "::1", 1)]
    [InlineData("127.0.0.1", "Ip", "127.0.0.1", 8000)]
    [InlineData(":9000", "Ip", "0.0.0.0", 9000)]
    [InlineData("tcp://127.0.0.1:0", "Ip", "127.0.0.1", 0)]
    [InlineData("localhost:8443", "Localhost", null, 8443)]
    [InlineData("unix:/run/app.sock", "UnixSocket", null, 0)]
    [InlineData("unix:///run/app.sock", "UnixSocket", null, 0)]
    public void Bind_addresses_parse_like_gunicorn(string text, string kindName, string? address, int port)
    {
        var kind = Enum.Parse<BindKind>(kindName);
        var bind = BindAddress.TryParse(text, out var error);

        error.Should().BeNull();
        bind!.Kind.Should().Be(kind);
        bind.Address.Should().Be(address is null ? null : IPAddress.Parse(address));
        bind.Port.Should().Be(port);
        if (kind == BindKind.UnixSocket)
        {
            bind.UnixPath.Should().Be("/run/app.sock");
        }
    }

    [Theory]
    [InlineData("example.com:80", "the host must be an IP address, localhost, [IPv6] or unix:PATH")]
    [InlineData("::1:80", "an IPv6 address must be in brackets")]
    [InlineData("[::1:80", "closing ']'")]
    [InlineData("127.0.0.1:70000", "the port must be a number 0..65535")]
    [InlineData("127.0.0.1:http", "the port must be a number 0..65535")]
    [InlineData("localhost:0", "use 127.0.0.1:0")]
    [InlineData("fd://3", "fd:// (an inherited socket) is not supported")]
    [InlineData("unix:", "unix: needs a socket path")]
    public void Bad_bind_stops_start_up_with_the_source_value_and_what_is_allowed(string text, string allowed)
    {
        var result = _files.Load(args: ["-b", text]);

        result.Settings.Should().BeNull();
        result.ErrorMessages.Should().ContainSingle().Which.Should().StartWith($"bind = {text} (command-line flag -b): '{text}' is not a valid address: ").And.Contain(allowed);
    }

    [Fact]
    public void Out_of_range_values_name_setting_source_value_and_range()
    {
        var file = _files.Write("gunicorn.conf.py", "workers = 2\nhttp2_initial_window_size = 100\n");
        var result = _files.Load(
            configuration: new Dictionary<string, string?> { ["Gunicorn:http2_max_concurrent_streams"] = "0" },
            environment: "--keep-alive 86401 --limit-request-fields=-1",
            args: ["-c", file, "--http2-max-frame-size", "100"]);

        result.Settings.Should().BeNull();
        result.ErrorMessages.Should().BeEquivalentTo(
            "http2_max_concurrent_streams = 0 (configuration key Gunicorn:http2_max_concurrent_streams): out of range; allowed: an integer in 1..2147483647 (Kestrel requires at least 1; SETTINGS_MAX_CONCURRENT_STREAMS is 32-bit)",
            $"http2_initial_window_size = 100 ({file}:2): out of range; allowed: an integer in 65535..2147483647 (RFC 9113 §6.5.2 allows up to 2^31-1; Kestrel's minimum is 65535)",
            "http2_max_frame_size = 100 (command-line flag --http2-max-frame-size): out of range; allowed: an integer in 16384..16777215 (RFC 9113 §6.5.2: 2^14..2^24-1)",
            "keepalive = 86401 (environment variable GUNICORN_CMD_ARGS (--keep-alive)): out of range; allowed: an integer in 0..86400 (seconds; 0 turns HTTP/1.1 keep-alive off)",
            "limit_request_fields = -1 (environment variable GUNICORN_CMD_ARGS (--limit-request-fields)): out of range; allowed: an integer in 0..2147483647 (0 or more than 32768 means gunicorn's maximum, 32768)");
    }

    [Fact]
    public void Values_of_the_wrong_type_are_errors_naming_the_expected_type()
    {
        var file = _files.Write("gunicorn.conf.py", "backlog = \"many\"\nworkers = 2.5\nhttp2_max_frame_size = True\nhttp_protocols = 2\n");
        var result = _files.Load(args: ["-c", file]);

        result.ErrorMessages.Should().Contain($"backlog = \"many\" ({file}:1): not an integer; allowed: an integer in 1..2147483647 (the listen(2) queue length)");
        result.ErrorMessages.Should().Contain($"workers = 2.5 ({file}:2): not an integer; allowed: an integer in 1..2147483647");
        result.ErrorMessages.Should().Contain($"http2_max_frame_size = True ({file}:3): not an integer; allowed: an integer in 16384..16777215 (RFC 9113 §6.5.2: 2^14..2^24-1)");
        result.ErrorMessages.Should().Contain($"http_protocols = 2 ({file}:4): not a list of strings; allowed: a comma-separated string or a list of strings");
    }

    [Fact]
    public void Unknown_settings_are_warnings_with_the_closest_known_name()
    {
        var file = _files.Write("gunicorn.conf.py", "http2_max_concurent_streams = 5\nhelper_variable_x_y_z = 1\n_private = 2\nCONSTANT = 3\n");
        var result = _files.Load(
            configuration: new Dictionary<string, string?> { ["Gunicorn:keep_alive"] = "5" },
            environment: "--worker-clas=gthread",
            args: ["-c", file]);

        result.ErrorMessages.Should().BeEmpty();
        var logged = result.Logged().Where(d => GunicornLogged.UnknownNameEvents.Contains(d.Id.Id)).ToList();
        var warnings = logged.Select(d => d.Message).ToList();
        warnings.Should().Contain($"unknown gunicorn setting 'http2_max_concurent_streams' ({file}:1) ignored; did you mean 'http2_max_concurrent_streams'?");
        warnings.Should().Contain("unknown gunicorn setting 'keep_alive' (configuration key Gunicorn:keep_alive) ignored; did you mean 'keepalive'?");
        warnings.Should().Contain("GUNICORN_CMD_ARGS: unknown gunicorn flag '--worker-clas' ignored; did you mean '--worker-class'?");
        warnings.Should().Contain($"unknown gunicorn setting 'helper_variable_x_y_z' ({file}:2) ignored");
        warnings.Should().HaveCount(4, "_private and CONSTANT are helper variables of the file, not settings");
        logged.Should().ContainSingle(d => d.Id.Id == Ids.GunicornUnknownSettingWithSuggestion && d.Field("Setting") == "keep_alive"
            && d.Field("Source") == "configuration key Gunicorn:keep_alive" && d.Field("Suggestion") == "keepalive");
        logged.Should().ContainSingle(d => d.Id.Id == Ids.GunicornUnknownSetting && d.Field("Setting") == "helper_variable_x_y_z" && d.Field("Source") == file + ":2");
        logged.Should().ContainSingle(d => d.Id.Id == Ids.GunicornUnknownFlagWithSuggestion && d.Field("Flag") == "--worker-clas" && d.Field("Suggestion") == "--worker-class");
    }

    [Fact]
    public void Gunicorn_settings_without_Kestrel_meaning_are_reported_as_ignored_not_unknown()
    {
        var result = _files.Load(configuration: new Dictionary<string, string?> { ["Gunicorn:daemon"] = "true", ["Gunicorn:max_requests"] = "1000" });

        var ignored = result.Logged().Where(d => d.Id.Id == Ids.GunicornSettingIgnored).ToList();
        ignored.Should().Contain(d => d.Field("Setting") == "daemon" && d.Field("Source") == "configuration key Gunicorn:daemon"
            && d.Field("Reason")!.StartsWith("one Kestrel process", StringComparison.Ordinal)
            && d.Message.StartsWith("daemon (configuration key Gunicorn:daemon) is ignored: one Kestrel process", StringComparison.Ordinal));
        ignored.Should().Contain(d => d.Field("Setting") == "max_requests" && d.Message.Contains("max_requests", StringComparison.Ordinal));
    }

    [Fact]
    public void Config_file_problems_are_warnings_with_file_and_line()
    {
        var file = _files.Write("gunicorn.conf.py", "import os\nworkers = os.cpu_count()\nbacklog = 64\n");
        var result = _files.Load(args: ["-c", file]);

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Process.Backlog.Should().Be(64);
        var statements = result.Logged().Where(d => d.Id.Id == Ids.GunicornConfigFileStatementIgnored).ToList();
        statements.Select(d => d.Message)
            .Should().HaveCount(2).And.AllSatisfy(m => m.Should().StartWith(file + ":"))
            .And.Contain(m => m.StartsWith(file + ":2: 'workers' is not assigned a plain literal", StringComparison.Ordinal));
        statements.Should().AllSatisfy(d => d.Field("File").Should().Be(file))
            .And.Contain(d => d.Field("Line") == "2" && d.Field("Reason")!.StartsWith("'workers' is not assigned a plain literal", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_config_file_is_an_error_with_the_full_path()
    {
        var result = _files.Load(args: ["-c", "nope.conf.py"]);

        result.ErrorMessages.Should().ContainSingle().Which.Should().Be($"config = nope.conf.py (command-line flag -c): file not found: {Path.Combine(_files.Root, "nope.conf.py")}");
    }

    [Fact]
    public void Relative_config_file_is_found_in_the_content_root_then_in_the_app_folder()
    {
        using var appFolder = new GunicornTestFiles();
        appFolder.Write("gunicorn.conf.py", "backlog = 99\n");

        var result = _files.Load(args: ["-c", "gunicorn.conf.py"], baseDirectory: appFolder.Root);
        result.Settings!.Process.Backlog.Should().Be(99);

        _files.Write("gunicorn.conf.py", "backlog = 42\n");
        _files.Load(args: ["-c", "gunicorn.conf.py"], baseDirectory: appFolder.Root).Settings!.Process.Backlog.Should().Be(42);
    }

    [Fact]
    public void Config_file_can_be_named_by_the_configuration_section_or_in_code()
    {
        var file = _files.Write("other.conf.py", "backlog = 7\n");

        _files.Load(configuration: new Dictionary<string, string?> { ["Gunicorn:config"] = file }).Settings!.Process.Backlog.Should().Be(7);
        _files.Load(configFile: "other.conf.py").Settings!.Process.Backlog.Should().Be(7);
        _files.Load(environment: "-c other.conf.py").Settings!.Process.Backlog.Should().Be(7);
        _files.Load(args: ["--config=other.conf.py"]).Settings!.Process.Backlog.Should().Be(7);
    }

    [Fact]
    public void Missing_certificate_files_are_errors_with_the_path()
    {
        var result = _files.Load(args: ["--certfile", "missing.crt", "--keyfile", "missing.key", "-b", "127.0.0.1:0"]);

        result.ErrorMessages.Should().ContainSingle().Which.Should().Be($"certfile = missing.crt (command-line flag --certfile): file not found: {Path.Combine(_files.Root, "missing.crt")}");
    }

    [Fact]
    public void Missing_key_file_is_an_error_with_the_path()
    {
        var (cert, _) = _files.Certificate();
        var result = _files.Load(args: ["--certfile", cert, "--keyfile", "gone.key"]);

        result.ErrorMessages.Should().ContainSingle().Which.Should().Be($"keyfile = gone.key (command-line flag --keyfile): file not found: {Path.Combine(_files.Root, "gone.key")}");
    }

    [Fact]
    public void A_file_that_is_not_a_certificate_is_an_error_naming_it()
    {
        var junk = _files.Write("junk.crt", "not a certificate");
        var key = _files.Write("junk.key", "not a key");
        var result = _files.Load(args: ["--certfile", junk, "--keyfile", key]);

        result.ErrorMessages.Should().ContainSingle().Which.Should().StartWith($"certfile = {junk} (command-line flag --certfile): cannot load the certificate {junk} with key {key}");
    }

    [Fact]
    public void Keyfile_without_certfile_is_an_error()
    {
        var (_, key) = _files.Certificate();
        _files.Load(args: ["--keyfile", key]).ErrorMessages.Should().ContainSingle().Which.Should().Contain("keyfile needs certfile as well");
    }

    [Fact]
    public void H2_without_TLS_is_an_error_that_says_how_to_fix_it()
    {
        var result = _files.Load(args: ["-b", "127.0.0.1:0", "--http-protocols", "h2,h1"]);

        result.ErrorMessages.Should().ContainSingle().Which.Should().Be(
            "http_protocols = h2,h1 (command-line flag --http-protocols): h2 needs TLS; allowed: set certfile and keyfile (--certfile server.crt --keyfile server.key), or for h2c behind a trusted proxy set http2_cleartext = \"prior-knowledge\"");
    }

    [Fact]
    public void Without_TLS_and_without_http_protocols_endpoints_serve_HTTP_1_1_like_gunicorn()
    {
        var result = _files.Load(args: ["-b", "127.0.0.1:0"]);

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Protocols.Protocols.Should().Be(HttpProtocols.Http1);
    }

    [Fact]
    public void H2c_prior_knowledge_with_h2_only_gives_a_cleartext_HTTP2_endpoint()
    {
        var result = _files.Load(args: ["-b", "127.0.0.1:0", "--http-protocols", "h2", "--http2-cleartext", "prior-knowledge"]);

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Protocols.PriorKnowledgeForTrustedPeersOnly.Should().BeTrue();
        result.Settings.Protocols.Cleartext.Should().Be(Http2Cleartext.PriorKnowledge);
    }

    [Fact]
    public void H2c_both_keeps_prior_knowledge_and_warns_that_upgrade_is_not_supported()
    {
        var result = _files.Load(args: ["-b", "127.0.0.1:0", "--http-protocols", "h2", "--http2-cleartext", "both"]);

        result.Settings!.Protocols.PriorKnowledgeForTrustedPeersOnly.Should().BeTrue();
        result.Logged().Should().Contain(d => d.Id.Id == Ids.GunicornCleartextUpgradeUnsupported && d.Level == LogLevel.Warning
            && d.Field("Value") == "both" && d.Field("Source") == "command-line flag --http2-cleartext"
            && d.Message.Contains("the 'upgrade' half is not supported by Kestrel", StringComparison.Ordinal));
    }

    [Fact]
    public void H2c_upgrade_is_a_clear_not_supported_error()
    {
        var result = _files.Load(args: ["-b", "127.0.0.1:0", "--http-protocols", "h2", "--http2-cleartext", "upgrade"]);

        result.ErrorMessages.Should().ContainSingle().Which.Should().Contain("the HTTP/1.1 'Upgrade: h2c' mechanism is not supported by Kestrel");
    }

    [Fact]
    public void H2c_prior_knowledge_with_h1_as_well_is_gunicorns_command_and_is_accepted()
    {
        var result = _files.Load(args: ["-b", "127.0.0.1:0", "--http-protocols", "h2,h1", "--http2-cleartext", "prior-knowledge"]);

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Protocols.Protocols.Should().Be(HttpProtocols.Http1AndHttp2);
        result.Settings.Protocols.PriorKnowledgeForTrustedPeersOnly.Should().BeTrue();
    }

    [Fact]
    public void Bad_http2_cleartext_value_lists_the_allowed_values()
    {
        _files.Load(args: ["--http2-cleartext", "sometimes"]).ErrorMessages.Should().ContainSingle()
            .Which.Should().Be("http2_cleartext = sometimes (command-line flag --http2-cleartext): unknown value; allowed: off, prior-knowledge, upgrade or both");
    }

    [Fact]
    public void H3_is_a_not_supported_yet_error()
    {
        var (cert, key) = _files.Certificate();
        var result = _files.Load(args: ["--certfile", cert, "--keyfile", key, "--http-protocols", "h3,h2"]);

        result.ErrorMessages.Should().ContainSingle().Which.Should().Be(
            "http_protocols = h3,h2 (command-line flag --http-protocols): h3 (HTTP/3) is not supported yet; allowed: h1 and h2, in order of preference, for example \"h2,h1\" (h3 is not supported yet)");
    }

    [Fact]
    public void Unknown_protocol_is_an_error()
    {
        _files.Load(args: ["--http-protocols", "spdy"]).ErrorMessages.Should().ContainSingle().Which.Should().Contain("unknown protocol 'spdy'; allowed: h1 and h2");
    }

    [Fact]
    public void Protocol_order_becomes_the_ALPN_preference()
    {
        var (cert, key) = _files.Certificate();
        var result = _files.Load(args: ["--certfile", cert, "--keyfile", key, "--http-protocols", "h1,h2"]);

        result.Settings!.Protocols.AlpnOrder.Should().Equal(SslApplicationProtocol.Http11, SslApplicationProtocol.Http2);
        result.Settings.Protocols.Protocols.Should().Be(HttpProtocols.Http1AndHttp2);
    }

    [Theory]
    [InlineData("sync", "sync")]
    [InlineData("tornado", "tornado")]
    [InlineData("gunicorn.workers.sync.SyncWorker", "sync")]
    public void Sync_and_tornado_workers_turn_HTTP2_off_with_gunicorns_warning(string workerClass, string kind)
    {
        var (cert, key) = _files.Certificate();
        var result = _files.Load(args: ["--certfile", cert, "--keyfile", key, "--http-protocols", "h2,h1", "-k", workerClass]);

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Protocols.Protocols.Should().Be(HttpProtocols.Http1);
        result.Settings.Protocols.AlpnOrder.Should().Equal(SslApplicationProtocol.Http11);
        var warning = result.Logged().Should().ContainSingle(d => d.Id.Id == Ids.GunicornHttp2NotSupportedByWorker).Which;
        warning.Message.Should().StartWith($"HTTP/2 is not supported by the {kind} worker");
        (warning.Field("Worker"), warning.Field("Value"), warning.Field("Source")).Should().Be((kind, workerClass, "command-line flag -k"));
    }

    [Theory]
    [InlineData("gthread")]
    [InlineData("gevent")]
    [InlineData("eventlet")]
    [InlineData("asgi")]
    [InlineData("uvicorn.workers.UvicornWorker")]
    public void HTTP2_capable_workers_keep_HTTP2(string workerClass)
    {
        var (cert, key) = _files.Certificate();
        var result = _files.Load(args: ["--certfile", cert, "--keyfile", key, "-k", workerClass]);

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Protocols.Protocols.Should().Be(HttpProtocols.Http1AndHttp2);
    }

    [Fact]
    public void Unknown_worker_class_is_an_error()
    {
        _files.Load(args: ["-k", "threads"]).ErrorMessages.Should().ContainSingle().Which.Should().StartWith("worker_class = threads (command-line flag -k): unknown worker class");
    }

    [Theory]
    [InlineData("0", ClientCertificateMode.NoCertificate)]
    [InlineData("1", ClientCertificateMode.AllowCertificate)]
    [InlineData("2", ClientCertificateMode.RequireCertificate)]
    [InlineData("CERT_REQUIRED", ClientCertificateMode.RequireCertificate)]
    public void Cert_reqs_sets_the_client_certificate_mode(string value, ClientCertificateMode mode)
    {
        var (cert, key) = _files.Certificate();
        var (ca, _) = _files.Certificate("ca");
        var result = _files.Load(args: ["--certfile", cert, "--keyfile", key, "--cert-reqs", value, "--ca-certs", ca]);

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Tls.ClientCertificateMode.Should().Be(mode);
        result.Settings.Tls.ClientCertificateAuthorities.Should().ContainSingle();
    }

    [Fact]
    public void Client_certificates_without_TLS_are_an_error()
    {
        _files.Load(args: ["--cert-reqs", "2"]).ErrorMessages.Should().ContainSingle().Which.Should().Be("cert_reqs = 2 (command-line flag --cert-reqs): client certificates need TLS; allowed: set certfile and keyfile");
    }

    [Fact]
    public void Bad_cert_reqs_and_missing_ca_certs_are_errors()
    {
        var (cert, key) = _files.Certificate();
        var result = _files.Load(args: ["--certfile", cert, "--keyfile", key, "--cert-reqs", "7", "--ca-certs", "ca.pem"]);

        result.ErrorMessages.Should().Contain("cert_reqs = 7 (command-line flag --cert-reqs): unknown value; allowed: 0 (CERT_NONE), 1 (CERT_OPTIONAL) or 2 (CERT_REQUIRED)");
        result.ErrorMessages.Should().Contain($"ca_certs = ca.pem (command-line flag --ca-certs): file not found: {Path.Combine(_files.Root, "ca.pem")}");
    }

    [Theory]
    [InlineData("TLS")]
    [InlineData("TLSv1_2")]
    [InlineData("TLSv1")]
    [InlineData("3")]
    public void Ssl_version_is_ignored_with_a_warning_as_gunicorn_does(string value)
    {
        var result = _files.Load(args: ["--ssl-version", value]);

        result.ErrorMessages.Should().BeEmpty();
        var ignored = result.Logged().Should().ContainSingle(d => d.Id.Id == Ids.GunicornSettingIgnored).Which;
        ignored.Message.Should().Be("ssl_version (command-line flag --ssl-version) is ignored: deprecated and ignored by gunicorn itself; TLS 1.2 and 1.3 are negotiated as the OS allows");
        (ignored.Field("Setting"), ignored.Field("Source")).Should().Be(("ssl_version", "command-line flag --ssl-version"));
        ignored.Template.Should().Be("{Setting} ({Source}) is ignored: {Reason}");
    }

    [Fact]
    public void OpenSSL_cipher_keywords_select_suites_and_keep_TLS_1_3()
    {
        var (cert, key) = _files.Certificate();
        var suites = _files.Load(args: ["--certfile", cert, "--keyfile", key, "--ciphers", "ECDHE+AESGCM:!aNULL"]).Settings!.Tls.CipherSuites!;

        suites.Should().Equal(
            TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    }

    [Fact]
    public void Unknown_cipher_keywords_are_rejected_with_the_form()
    {
        _files.Load(args: ["--ciphers", "HIGH:FANCY"]).ErrorMessages.Should().ContainSingle()
            .Which.Should().StartWith("ciphers = HIGH:FANCY (command-line flag --ciphers): 'FANCY' is neither an OpenSSL cipher keyword nor a suite name .NET can use; allowed: an OpenSSL cipher list");
    }

    [Fact]
    public void Forwarded_allow_ips_accepts_addresses_networks_and_star()
    {
        var star = _files.Load(args: ["--forwarded-allow-ips", "*"]).Settings!;
        star.Forwarding.TrustAll.Should().BeTrue();

        var list = _files.Load(configuration: new Dictionary<string, string?> { ["Gunicorn:forwarded_allow_ips:0"] = "127.0.0.1", ["Gunicorn:forwarded_allow_ips:1"] = "::1" }).Settings!;
        list.Forwarding.Proxies.Should().Equal(IPAddress.Loopback, IPAddress.IPv6Loopback);

        _files.Load(args: ["--forwarded-allow-ips", "10.0.0.1,proxy.local"]).ErrorMessages.Should().ContainSingle()
            .Which.Should().StartWith("forwarded_allow_ips = 10.0.0.1,proxy.local (command-line flag --forwarded-allow-ips): 'proxy.local' is not an IP address, a CIDR network or *");
    }

    [Fact]
    public void FORWARDED_ALLOW_IPS_is_the_default_of_forwarded_allow_ips_and_every_source_wins_over_it()
    {
        // gunicorn: forwarded_allow_ips defaults to os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1").
        var fromVariable = _files.Load(forwardedAllowIps: "10.0.0.5,10.1.0.0/16").Settings!;
        fromVariable.Forwarding.Configured.Should().BeTrue();
        fromVariable.Forwarding.Proxies.Should().Equal(IPAddress.Parse("10.0.0.5"));
        fromVariable.Forwarding.Networks!.Single().ToString().Should().Be("10.1.0.0/16");

        _files.Write("gunicorn.conf.py", "forwarded_allow_ips = '10.9.9.9'\n");
        var fromFile = _files.Load(configFile: "gunicorn.conf.py", forwardedAllowIps: "10.0.0.5").Settings!;
        fromFile.Forwarding.Proxies.Should().Equal(IPAddress.Parse("10.9.9.9"));
        _files.Load(args: ["--forwarded-allow-ips", "*"], forwardedAllowIps: "10.0.0.5").Settings!.Forwarding.TrustAll.Should().BeTrue();

        _files.Load(forwardedAllowIps: "10.0.0.5,proxy.local").ErrorMessages.Should().ContainSingle()
            .Which.Should().StartWith("forwarded_allow_ips = 10.0.0.5,proxy.local (environment variable FORWARDED_ALLOW_IPS): 'proxy.local' is not an IP address");
    }

    [Fact]
    public void Bad_log_level_lists_the_allowed_levels()
    {
        _files.Load(args: ["--log-level", "verbose"]).ErrorMessages.Should().ContainSingle()
            .Which.Should().Be("loglevel = verbose (command-line flag --log-level): unknown level; allowed: debug, info, warning, error or critical");
    }

    [Fact]
    public void Log_level_alias_in_configuration_is_accepted()
    {
        _files.Load(configuration: new Dictionary<string, string?> { ["Gunicorn:log_level"] = "error" }).Settings!.Logging.Level.Should().Be(LogLevel.Error);
    }

    [Fact]
    public void Workers_threads_and_timeout_are_logged_decisions_not_silently_dropped()
    {
        var result = _files.Load(args: ["-w", "4", "--threads", "8", "-t", "60"]);

        var decisions = result.Logged().Where(d => d.Id.Id == Ids.GunicornProcessSettingNotApplied).ToList();
        decisions.Select(d => (d.Field("Setting"), d.Field("Value"), d.Field("Source"))).Should().BeEquivalentTo(
            [("workers", "4", "command-line flag -w"), ("threads", "8", "command-line flag --threads"), ("timeout", "60", "command-line flag -t")]);
        decisions.Select(d => d.Message).Should().BeEquivalentTo(
            $"workers = 4 (command-line flag -w) is not applied: one Kestrel process already serves requests on all {Environment.ProcessorCount} cores through the .NET thread pool; no worker processes are forked (run more instances behind a load balancer to scale out)",
            "threads = 8 (command-line flag --threads) is not applied: the .NET thread pool sizes itself; there is no per-worker thread count to set",
            "timeout = 60 (command-line flag -t) is not applied: Kestrel has no worker heartbeat to kill silent workers; for per-request limits use AddRequestTimeouts(), for idle connections keepalive");
    }

    [Fact]
    public void All_errors_are_reported_together_in_one_exception()
    {
        var result = _files.Load(args: ["--http2-max-frame-size", "1", "--backlog", "0"]);
        var exception = new GunicornConfigurationException(result.ErrorMessages);

        exception.Errors.Should().HaveCount(2);
        exception.Message.Should().StartWith("Invalid gunicorn settings:").And.Contain("http2_max_frame_size = 1").And.Contain("backlog = 0");
    }

    [Fact]
    public void Embedded_default_is_https_on_127_0_0_1_8443_with_a_generated_certificate_that_is_reused()
    {
        var first = _files.Load(embeddedDefault: true);
        var second = _files.Load(embeddedDefault: true);

        first.ErrorMessages.Should().BeEmpty();
        first.Settings!.Listen.UsesEmbeddedDefault.Should().BeTrue();
        first.Settings.Listen.Binds.Single().ToString().Should().Be("127.0.0.1:8443");
        first.Settings.Tls.Enabled.Should().BeTrue();
        first.Settings.Protocols.AlpnOrder.Should().Equal(SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
        File.Exists(Path.Combine(_files.Root, "certs", "localhost.pem")).Should().BeTrue();
        File.Exists(Path.Combine(_files.Root, "certs", "localhost-key.pem")).Should().BeTrue();
        first.Logged().Should().Contain(d => d.Id.Id == Ids.GunicornDevelopmentCertificateCreated && d.Message.StartsWith("generated", StringComparison.Ordinal)
            && d.Field("CertificateFile") == Path.Combine(_files.Root, "certs", "localhost.pem") && d.Field("KeyFile") == Path.Combine(_files.Root, "certs", "localhost-key.pem"));
        var expires = second.Settings!.Tls.Certificate!.NotAfter.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        second.Logged().Should().Contain(d => d.Id.Id == Ids.GunicornDevelopmentCertificateReused && d.Message.StartsWith("using", StringComparison.Ordinal)
            && d.Field("CertificateFile") == Path.Combine(_files.Root, "certs", "localhost.pem") && d.Field("Expires") == expires);
        second.Settings!.Tls.Certificate!.Thumbprint.Should().Be(first.Settings.Tls.Certificate!.Thumbprint);
        second.Settings.Tls.Certificate.HasPrivateKey.Should().BeTrue();
    }

    [Fact]
    public void Development_certificate_covers_localhost_and_loopback_addresses()
    {
        var cert = _files.Load(embeddedDefault: true).Settings!.Tls.Certificate!;

        cert.MatchesHostname("localhost").Should().BeTrue();
        cert.MatchesHostname("127.0.0.1").Should().BeTrue();
        cert.NotAfter.Should().BeAfter(DateTime.Now.AddDays(300));
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5000")]
    [InlineData("http_ports", "8080")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:5000")]
    public void Embedded_default_steps_aside_when_Kestrel_has_endpoints_of_its_own(string key, string value)
    {
        var result = _files.Load(configuration: new Dictionary<string, string?> { [key] = value }, embeddedDefault: true);

        result.Settings!.Listen.Binds.Should().BeEmpty();
        result.Settings.Listen.UsesEmbeddedDefault.Should().BeFalse();
        result.Settings.Listen.AppEndpoints.Should().NotBeNull();
        result.Logged().Should().Contain(d => d.Id.Id == Ids.GunicornServingAppEndpoints && d.Field("Endpoints")!.EndsWith("=" + value, StringComparison.Ordinal)
            && d.Message.Contains("serving the app's own endpoints", StringComparison.Ordinal));
        Directory.Exists(Path.Combine(_files.Root, "certs")).Should().BeFalse();
    }

    [Fact]
    public void Certfile_and_keyfile_naming_the_development_pair_generate_it_when_missing()
    {
        var result = _files.Load(configFile: _files.Write("gunicorn.conf.py", "certfile = \"certs/localhost.pem\"\nkeyfile = \"certs/localhost-key.pem\"\nbind = \"127.0.0.1:0\"\n"));

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Tls.Enabled.Should().BeTrue();
        File.Exists(Path.Combine(_files.Root, "certs", "localhost.pem")).Should().BeTrue();
    }

    [Fact]
    public void Shipped_example_config_file_loads_without_errors_or_warnings_but_the_self_signed_one()
    {
        var example = Path.Combine(RepositoryRoot(), "examples", "http2_features", "gunicorn.conf.py");
        var result = _files.Load(args: ["-c", example]);

        result.ErrorMessages.Should().BeEmpty();
        // The loader's environment is Production, as in the container: the generated pair is worth a Warning there.
        result.Logged().Where(d => d.Level >= LogLevel.Warning).Should().ContainSingle()
            .Which.Id.Id.Should().BeOneOf(Ids.GunicornDevelopmentCertificateCreated, Ids.GunicornDevelopmentCertificateReused);
        result.Settings!.Listen.Binds.Single().ToString().Should().Be("0.0.0.0:8443");
        result.Settings.Limits.InitialWindowSize.Should().Be(1024 * 1024);
        result.Settings.Protocols.AlpnOrder.Should().Equal(SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Http2Features.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
