using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using FluentAssertions;
using Http2Features.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ids = Http2Features.Http2FeaturesEventIds.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>Real Kestrel on 127.0.0.1 (ephemeral port) with a generated certificate, configured only through gunicorn settings.</summary>
public sealed class GunicornKestrelIntegrationTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string[] Tls(params string[] more)
    {
        var (cert, key) = _files.Certificate();
        return ["-b", "127.0.0.1:0", "--certfile", cert, "--keyfile", key, .. more];
    }

    private System.Security.Cryptography.X509Certificates.X509Certificate2 ServerCertificate =>
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(_files.Certificate().Cert));

    [Fact]
    public async Task HttpClient_negotiates_HTTP2_on_h2_h1()
    {
        await using var server = await GunicornTestServer.StartAsync(Tls("--http-protocols", "h2,h1"), _files.Root);
        using var client = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);

        using var response = await client.GetAsync(server.Address, TestContext.Current.CancellationToken);

        response.Version.Should().Be(HttpVersion.Version20);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Be("HTTP/2 https");
    }

    [Fact]
    public async Task HTTP11_clients_are_still_served_on_h2_h1()
    {
        await using var server = await GunicornTestServer.StartAsync(Tls("--http-protocols", "h2,h1"), _files.Root);
        using var client = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact);

        using var response = await client.GetAsync(server.Address, TestContext.Current.CancellationToken);

        response.Version.Should().Be(HttpVersion.Version11);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Be("HTTP/1.1 https");
    }

    [Fact]
    public async Task H2_only_rejects_HTTP11_ALPN()
    {
        await using var server = await GunicornTestServer.StartAsync(Tls("--http-protocols", "h2"), _files.Root);
        using var http11 = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact);
        using var http2 = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);

        var act = () => http11.GetAsync(server.Address, TestContext.Current.CancellationToken);
        await act.Should().ThrowAsync<HttpRequestException>();
        var (stream, negotiated, _) = await GunicornTestServer.TlsAsync(server.Address, SslApplicationProtocol.Http11);
        if (stream is not null)
        {
            negotiated.Should().NotBe(SslApplicationProtocol.Http11);
            await stream.DisposeAsync();
        }

        using var ok = await http2.GetAsync(server.Address, TestContext.Current.CancellationToken);
        ok.Version.Should().Be(HttpVersion.Version20);
    }

    [Fact]
    public async Task Server_protocol_order_wins_ALPN_against_a_client_offering_both()
    {
        await using (var h1First = await GunicornTestServer.StartAsync(Tls("--http-protocols", "h1,h2"), _files.Root))
        {
            var (stream, negotiated, error) = await GunicornTestServer.TlsAsync(h1First.Address, SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
            error.Should().BeNull();
            negotiated.Should().Be(SslApplicationProtocol.Http11);
            await stream!.DisposeAsync();

            using var client = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version20, HttpVersionPolicy.RequestVersionOrLower);
            using var response = await client.GetAsync(h1First.Address, TestContext.Current.CancellationToken);
            response.Version.Should().Be(HttpVersion.Version11);
        }

        await using var h2First = await GunicornTestServer.StartAsync(Tls("--http-protocols", "h2,h1"), _files.Root);
        var (s2, negotiated2, error2) = await GunicornTestServer.TlsAsync(h2First.Address, SslApplicationProtocol.Http11, SslApplicationProtocol.Http2);
        error2.Should().BeNull();
        negotiated2.Should().Be(SslApplicationProtocol.Http2);
        await s2!.DisposeAsync();
    }

    [Fact]
    public async Task Sync_worker_serves_HTTP11_only_and_says_so()
    {
        await using var server = await GunicornTestServer.StartAsync(Tls("--http-protocols", "h2,h1", "-k", "sync"), _files.Root);
        using var client = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version20, HttpVersionPolicy.RequestVersionOrLower);

        using var response = await client.GetAsync(server.Address, TestContext.Current.CancellationToken);

        response.Version.Should().Be(HttpVersion.Version11);
        var (stream, negotiated, _) = await GunicornTestServer.TlsAsync(server.Address, SslApplicationProtocol.Http2);
        if (stream is not null)
        {
            negotiated.Should().NotBe(SslApplicationProtocol.Http2);
            await stream.DisposeAsync();
        }

        server.Logs.Entries.Should().Contain(e => e.Id.Id == Ids.GunicornHttp2NotSupportedByWorker && e.Level == LogLevel.Warning && e.Field("Worker") == "sync"
            && e.Message.StartsWith("HTTP/2 is not supported by the sync worker", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Http2_limits_are_visible_in_the_server_SETTINGS()
    {
        var file = _files.Write("gunicorn.conf.py", """
            http2_max_concurrent_streams = 1
            http2_initial_window_size = 2 * 1024 * 1024
            http2_max_frame_size = 32768
            http2_max_header_list_size = 65536
            """);
        await using var server = await GunicornTestServer.StartAsync(Tls("-c", file), _files.Root);

        var (stream, negotiated, error) = await GunicornTestServer.TlsAsync(server.Address, SslApplicationProtocol.Http2);
        error.Should().BeNull();
        negotiated.Should().Be(SslApplicationProtocol.Http2);
        await using var _ = stream;
        var (settings, connectionIncrement) = await GunicornTestServer.ReadServerSettingsAsync(stream!);

        settings[0x3].Should().Be(1u, "SETTINGS_MAX_CONCURRENT_STREAMS");
        settings[0x4].Should().Be(2u * 1024 * 1024, "SETTINGS_INITIAL_WINDOW_SIZE");
        settings[0x5].Should().Be(32768u, "SETTINGS_MAX_FRAME_SIZE");
        settings[0x6].Should().Be(65536u, "SETTINGS_MAX_HEADER_LIST_SIZE comes from MaxRequestHeadersTotalSize");
        connectionIncrement.Should().Be((2u * 1024 * 1024) - 65535, "the connection window is raised to hold one full stream window");
    }

    [Fact]
    public async Task Max_concurrent_streams_of_one_makes_HttpClient_serialise_requests_on_one_connection()
    {
        await using var server = await GunicornTestServer.StartAsync(Tls("--http2-max-concurrent-streams", "1"), _files.Root);
        using var client = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.GetStringAsync(server.Address, TestContext.Current.CancellationToken)));

        responses.Should().AllBe("HTTP/2 https");
    }

    [Fact]
    public async Task Limits_and_host_settings_reach_their_options()
    {
        var args = Tls(
            "--keep-alive", "75", "--graceful-timeout", "7", "--limit-request-line", "4094", "--limit-request-fields", "50",
            "--limit-request-field_size", "8190", "--backlog", "2048", "--worker-connections", "1000", "--http2-max-header-list-size", "65536",
            "--log-level", "warning", "--http2-initial-window-size", "131072");
        await using var app = GunicornTestServer.Build(args, _files.Root, new CapturingLoggerProvider());

        var kestrel = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        kestrel.Limits.KeepAliveTimeout.Should().Be(TimeSpan.FromSeconds(75));
        kestrel.Limits.MaxRequestLineSize.Should().Be(4094);
        kestrel.Limits.MaxRequestHeaderCount.Should().Be(50);
        kestrel.Limits.Http2.MaxRequestHeaderFieldSize.Should().Be(8190);
        kestrel.Limits.MaxConcurrentConnections.Should().Be(1000);
        kestrel.Limits.MaxRequestHeadersTotalSize.Should().Be(65536);
        kestrel.Limits.Http2.InitialStreamWindowSize.Should().Be(131072);
        kestrel.Limits.Http2.InitialConnectionWindowSize.Should().Be(1024 * 1024, "Kestrel's larger connection window is kept");
        app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout.Should().Be(TimeSpan.FromSeconds(7));
        app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.Backlog.Should().Be(2048);
        app.Services.GetRequiredService<IOptions<LoggerFilterOptions>>().Value.MinLevel.Should().Be(LogLevel.Warning);
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Any").IsEnabled(LogLevel.Information).Should().BeFalse();
    }

    [Fact]
    public async Task Invalid_settings_stop_start_up_with_one_message_per_setting()
    {
        var file = _files.Write("gunicorn.conf.py", "http2_max_frame_size = 1024\nworkers = 2\n");
        var logs = new CapturingLoggerProvider();
        await using var app = GunicornTestServer.Build(Tls("-c", file, "--http-protocols", "h3"), _files.Root, logs);

        var act = () => app.StartAsync(TestContext.Current.CancellationToken);

        var thrown = await act.Should().ThrowAsync<GunicornConfigurationException>();
        thrown.Which.Errors.Should().HaveCount(2);
        logs.Entries.Should().Contain(e => e.Id.Id == Ids.GunicornProcessSettingNotApplied && e.Field("Setting") == "workers" && e.Field("Value") == "2"
            && e.Field("Source") == $"{file}:2" && e.Message.StartsWith("workers = 2", StringComparison.Ordinal), "diagnostics are logged before start-up stops");
        thrown.Which.Message.Should().Contain($"http2_max_frame_size = 1024 ({file}:1): out of range; allowed: an integer in 16384..16777215")
            .And.Contain("h3 (HTTP/3) is not supported yet");
    }

    [Fact]
    public async Task Cleartext_prior_knowledge_serves_h2c()
    {
        await using var server = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "--http-protocols", "h2", "--http2-cleartext", "prior-knowledge"], _files.Root);
        using var client = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);

        server.Address.Scheme.Should().Be("http");
        using var response = await client.GetAsync(server.Address, TestContext.Current.CancellationToken);

        response.Version.Should().Be(HttpVersion.Version20);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Be("HTTP/2 http");
    }

    [Fact]
    public async Task Unix_socket_bind_serves_requests()
    {
        var socketPath = Path.Combine(_files.Root, "app.sock");
        await using var server = await GunicornTestServer.StartAsync(["-b", "unix:" + socketPath], _files.Root);
        using var client = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact, async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
            return new NetworkStream(socket, ownsSocket: true);
        });

        (await client.GetStringAsync(new Uri("http://localhost/"), TestContext.Current.CancellationToken)).Should().Be("HTTP/1.1 http");
    }

    [Fact]
    public async Task Several_binds_each_get_an_endpoint()
    {
        var (cert, key) = _files.Certificate();
        await using var server = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "-b", "127.0.0.1:0", "--certfile", cert, "--keyfile", key], _files.Root);

        server.Addresses.Should().HaveCount(2).And.OnlyContain(a => a.StartsWith("https://127.0.0.1:", StringComparison.Ordinal));
        server.Addresses.Distinct().Should().HaveCount(2);
    }

    [Fact]
    public async Task Forwarded_allow_ips_trusts_X_Forwarded_Proto_only_from_listed_peers()
    {
        await using var trusted = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "--forwarded-allow-ips", "127.0.0.1"], _files.Root);
        await using var untrusted = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "--forwarded-allow-ips", "10.0.0.1"], _files.Root);
        using var client = GunicornTestServer.Client(ServerCertificate, HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact);

        async Task<string> Get(Uri uri)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Add("X-Forwarded-Proto", "https");
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        }

        (await Get(trusted.Address)).Should().Be("HTTP/1.1 https");
        (await Get(untrusted.Address)).Should().Be("HTTP/1.1 http");
    }

    [Fact]
    public async Task Access_log_file_gets_one_line_per_request_in_gunicorns_default_format()
    {
        var logPath = Path.Combine(_files.Root, "logs", "access.log");
        await using (var server = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "--access-logfile", logPath], _files.Root))
        {
            using var client = new HttpClient();
            client.DefaultRequestHeaders.UserAgent.ParseAdd("probe/1.0");
            (await client.GetStringAsync(new Uri(server.Address, "/?x=1"), TestContext.Current.CancellationToken)).Should().Be("HTTP/1.1 http");
            (await client.GetAsync(new Uri(server.Address, "/missing"), TestContext.Current.CancellationToken)).Dispose();
        }

        var lines = ReadShared(logPath).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2, "one line per request");
        // %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"
        lines[0].Should().MatchRegex(@"^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ""GET /\?x=1 HTTP/1\.1"" 200 13 ""-"" ""probe/1\.0""$");
        lines[1].Should().EndWith("\"GET /missing HTTP/1.1\" 404 - \"-\" \"probe/1.0\"", "no body: %(b)s is '-' as in gunicorn");
    }

    [Fact]
    public async Task Access_log_format_renders_gunicorns_atoms()
    {
        var logPath = Path.Combine(_files.Root, "access.log");
        await using (var server = await GunicornTestServer.StartAsync(
            ["-b", "127.0.0.1:0", "--access-logfile", logPath, "--access-logformat", "%(m)s %(U)s %(q)s %(H)s %(s)s %(B)s %(L)s %({x-probe}i)s %({content-type}o)s 100%%"], _files.Root))
        {
            using var client = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Address, "/?a=b"));
            request.Headers.Add("x-probe", "yes");
            (await client.SendAsync(request, TestContext.Current.CancellationToken)).Dispose();
        }

        ReadShared(logPath).TrimEnd().Should().MatchRegex(@"^GET / a=b HTTP/1\.1 200 13 \d+\.\d{6} yes text/plain; charset=utf-8 100%$");
    }

    [Theory]
    [InlineData("%(x)s", "%(x)s is not a supported atom; supported are h l u t r m U q H s B b f a T M D L p {header}i {header}o")]
    [InlineData("%({REMOTE_USER}e)s", "reads the WSGI environ")]
    [InlineData("%h", "does not start an atom such as %(h)s (write %% for a literal percent sign)")]
    public void Access_log_format_atoms_that_cannot_be_rendered_stop_start_up_with_a_clear_message(string format, string message)
    {
        var result = _files.Load(args: ["--access-logfile", "-", "--access-logformat", format]);

        result.ErrorMessages.Should().ContainSingle().Which.Should().StartWith("access_log_format = ").And.Contain(message).And.Contain("command-line flag --access-logformat");
    }

    [Fact]
    public async Task Errorlog_file_gets_the_error_log_in_gunicorns_format_and_the_console_logger_is_silenced()
    {
        var logPath = Path.Combine(_files.Root, "error.log");
        await using (var server = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "--error-logfile", logPath, "--log-level", "info"], _files.Root))
        {
            var filters = server.App.Services.GetRequiredService<IOptions<LoggerFilterOptions>>().Value;
            filters.Rules.Last(r => r.ProviderName == GunicornHostSetup.ConsoleProvider).LogLevel.Should().Be(LogLevel.None);
        }

        // [2026-12-01 09:40:01 +0000] [1234] [INFO] bind 127.0.0.1:0: http, protocols http/1.1 (command line)
        ReadShared(logPath).Split('\n').Should().Contain(l => System.Text.RegularExpressions.Regex.IsMatch(l,
            @"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[INFO\] bind 127\.0\.0\.1:0: http"));
    }

    [Fact]
    public async Task Loglevel_is_a_floor_for_every_category_and_keeps_stricter_rules()
    {
        await using var server = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "--log-level", "error"], _files.Root,
            b => b.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("MyApp", LogLevel.Debug).AddFilter("Quiet", LogLevel.Critical));
        var factory = server.App.Services.GetRequiredService<ILoggerFactory>();

        factory.CreateLogger("MyApp.Orders").IsEnabled(LogLevel.Warning).Should().BeFalse("loglevel error: nothing below error, whatever appsettings says");
        factory.CreateLogger("MyApp.Orders").IsEnabled(LogLevel.Error).Should().BeTrue();
        factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning).Should().BeFalse();
        factory.CreateLogger("Quiet.Thing").IsEnabled(LogLevel.Error).Should().BeFalse("a stricter rule stays");
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task Embedded_default_yields_to_endpoints_configured_in_code()
    {
        await using var server = await GunicornTestServer.StartAsync([], _files.Root, b => b.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0)));

        server.Addresses.Should().ContainSingle().Which.Should().NotContain(":8443");
        server.Logs.Entries.Should().Contain(e => e.Id.Id == Ids.GunicornEmbeddedDefaultNotUsed && e.Field("Count") == "1" && e.Field("Address") == "127.0.0.1:8443"
            && e.Message.Contains("1 endpoint(s) were configured in code", StringComparison.Ordinal));
        server.Logs.Entries.Should().NotContain(e => e.Message.StartsWith("no bind set: listening", StringComparison.Ordinal));
    }

    [Fact]
    public void Kestrel_still_keeps_code_endpoints_where_the_binder_counts_them()
    {
        // Pins a Kestrel internal (KestrelServerOptions.CodeBackedListenOptions): if it moves, the embedded
        // default would bind next to a WebApplicationFactory's endpoint.
        var options = new KestrelServerOptions();
        GunicornKestrelSetup.CountCodeBackedEndpoints(options).Should().Be(0);
        options.Listen(IPAddress.Loopback, 0);
        options.ListenUnixSocket("/tmp/x.sock");
        GunicornKestrelSetup.CountCodeBackedEndpoints(options).Should().Be(2);
    }

    [Fact]
    public async Task CreateBuilder_accepts_gunicorn_flags_in_args()
    {
        var file = _files.Write("gunicorn.conf.py", "workers = 2\n");
        string[] args = ["-b", "127.0.0.1:0", "-c", file, "-w", "4", "--keep-alive", "5", "--certfile"];

        var act = () => WebApplication.CreateBuilder(args);

        act.Should().NotThrow();
        await Task.CompletedTask;
    }
}
