using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Connection.ProxyProtocol;

/// <summary>
/// <c>UseProxyProtocol()</c> before <c>UseHttps()</c> on real Kestrel with the pack on: the client's address from the
/// header reaches <c>HttpContext.Connection</c>, priority and 103s still work above it, and bad or slow headers close
/// the connection with a logged reason.
/// </summary>
public class ProxyProtocolMiddlewareTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.7"), 56324);
    private static readonly IPEndPoint Frontend = new(IPAddress.Parse("198.51.100.1"), 443);
    private static readonly IPEndPoint Client6 = new(IPAddress.Parse("2001:db8::7"), 40000);
    private static readonly IPEndPoint Frontend6 = new(IPAddress.Parse("2001:db8::1"), 8443);

    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Versions => new() { "v1", "v2" };

    private static byte[] Header(string version, bool ipv6 = false) => (version, ipv6) switch
    {
        ("v1", false) => ProxyHeaderBytes.V1(Client, Frontend),
        ("v1", true) => ProxyHeaderBytes.V1(Client6, Frontend6),
        (_, false) => ProxyHeaderBytes.V2(Client, Frontend, (0x01, "h2"u8.ToArray()), (0x02, "example.com"u8.ToArray())),
        _ => ProxyHeaderBytes.V2(Client6, Frontend6, (0x01, "h2"u8.ToArray())),
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_header_before_TLS_gives_the_clients_address_and_h2_keeps_priority_and_a_timely_103(string version)
    {
        await using var host = await ProxyProtocolTestHost.StartAsync();
        await using var client = await host.ConnectAsync(Header(version));

        var report = await EndpointProbe.CheckAsync(client);

        report.RemoteIpAddress.Should().Be(Client.Address);
        report.RemotePort.Should().Be(Client.Port);
        report.LocalIpAddress.Should().Be(Frontend.Address);
        report.LocalPort.Should().Be(Frontend.Port);
        report.Protocol.Should().Be("HTTP/2");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task IPv6_client_addresses_reach_the_request(string version)
    {
        await using var host = await ProxyProtocolTestHost.StartAsync();
        using var http = host.HttpClientSending(Header(version, ipv6: true), HttpVersion.Version11);

        var body = await http.GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().Be($"{Client6.Address}|{Client6.Port}|{version[1]}");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task HTTP_1_1_over_TLS_and_h2_with_HttpClient_see_the_clients_address(string version)
    {
        await using var host = await ProxyProtocolTestHost.StartAsync(o => o.Mode = version == "v1" ? ProxyProtocolMode.V1 : ProxyProtocolMode.V2);
        foreach (var httpVersion in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            using var http = host.HttpClientSending(Header(version), httpVersion);
            var response = await http.GetAsync("/", TestContext.Current.CancellationToken);
            response.Version.Should().Be(httpVersion);
            (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Be($"{Client.Address}|{Client.Port}|{version[1]}");
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Cleartext_h2c_after_a_header_keeps_priority_and_a_timely_103(string version)
    {
        await using var host = await ProxyProtocolTestHost.StartAsync(tls: false, protocols: HttpProtocols.Http2);
        await using var client = await host.ConnectAsync(Header(version));

        var report = await EndpointProbe.CheckAsync(client);

        report.RemoteIpAddress.Should().Be(Client.Address);
    }

    [Fact]
    public async Task A_unix_socket_peer_is_trusted_and_its_header_is_used()
    {
        var path = Path.Combine(Path.GetTempPath(), $"h2f-pp-{Guid.NewGuid():N}.sock");
        try
        {
            await using var host = await ProxyProtocolTestHost.StartAsync(o => o.KnownProxies.Clear(), unixSocketPath: path);
            await using var client = await host.ConnectAsync(Header("v2"), path);

            var report = await EndpointProbe.CheckAsync(client);

            report.RemoteIpAddress.Should().Be(Client.Address);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task V2_LOCAL_and_v1_UNKNOWN_keep_the_sockets_own_address()
    {
        await using var host = await ProxyProtocolTestHost.StartAsync();
        foreach (var (header, version) in new[] { (ProxyHeaderBytes.V2Local((0x01, "h2"u8.ToArray())), 2), (ProxyHeaderBytes.V1Unknown(), 1) })
        {
            using var http = host.HttpClientSending(header, HttpVersion.Version20);
            var body = await http.GetStringAsync("/", TestContext.Current.CancellationToken);
            body.Should().StartWith("127.0.0.1|").And.EndWith($"|{version}");
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", ProxyProtocolMode.Auto, "missing")]
    [InlineData("\x16\x03\x01\x00\x05hello", ProxyProtocolMode.Auto, "missing: a bare TLS ClientHello")]
    [InlineData("PROXY TCP4 203.0.113.7 198.51.100.1 56324 99999\r\nGET / HTTP/1.1\r\n\r\n", ProxyProtocolMode.Auto, "malformed port")]
    [InlineData("PROXY TCP4 203.0.113.7 198.51.100.1 56324 443\r\nGET / HTTP/1.1\r\n\r\n", ProxyProtocolMode.V2, "v1 where only v2 is accepted")]
    public async Task A_trusted_peer_without_a_valid_header_is_closed_with_a_logged_reason(string bytes, ProxyProtocolMode mode, string because)
    {
        await using var host = await ProxyProtocolTestHost.StartAsync(o => o.Mode = mode, tls: false, protocols: HttpProtocols.Http1);

        var closed = await host.SendAndWaitForCloseAsync(Encoding.Latin1.GetBytes(bytes), CloseWait);

        closed.Should().NotBeNull(because);
        closed!.Value.BytesReceived.Should().Be(0, "nothing of the request may reach Kestrel's HTTP layer");
        var entry = await WaitForLogAsync(host, 1201);
        entry.Level.Should().Be(LogLevel.Warning);
        entry.Category.Should().Be("Http2Features.ProxyProtocol");
        entry.Id.Name.Should().Be("ProxyHeaderRejected");
    }

    [Fact]
    public async Task An_oversized_v2_header_is_rejected_as_soon_as_its_length_arrives()
    {
        await using var host = await ProxyProtocolTestHost.StartAsync(o => o.MaxHeaderSize = 1024, tls: false, protocols: HttpProtocols.Http1);
        var header = ProxyHeaderBytes.V2(Client, Frontend, (0xEE, new byte[2000]));

        var closed = await host.SendAndWaitForCloseAsync(header[..16], CloseWait);

        closed.Should().NotBeNull("the first 16 bytes already say the header is too large");
        (await WaitForLogAsync(host, 1201)).Message.Should().Contain("larger than");
    }

    [Fact]
    public async Task A_peer_that_sends_half_a_header_is_closed_when_the_header_timeout_elapses()
    {
        var timeout = TimeSpan.FromMilliseconds(300);
        await using var host = await ProxyProtocolTestHost.StartAsync(o => o.HeaderTimeout = timeout);
        var half = ProxyHeaderBytes.V2(Client, Frontend)[..20];

        var closed = await host.SendAndWaitForCloseAsync(half, CloseWait);

        closed.Should().NotBeNull("a half header must not hold the connection");
        closed!.Value.Elapsed.Should().BeGreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(20)).And.BeLessThan(CloseWait);
        (await WaitForLogAsync(host, 1202)).Id.Name.Should().Be("ProxyHeaderTimedOut");
    }

    [Fact]
    public async Task An_untrusted_peer_without_a_header_is_served_with_its_own_address()
    {
        await using var host = await ProxyProtocolTestHost.StartAsync(o => o.KnownProxies.Clear());
        using var http = host.HttpClientSending([], HttpVersion.Version20);

        var body = await http.GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().StartWith("127.0.0.1|").And.EndWith("|0");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task An_untrusted_peer_that_sends_a_header_is_closed_as_gunicorn_forbids_it(string version)
    {
        await using var host = await ProxyProtocolTestHost.StartAsync(o =>
        {
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Add(IPNetwork.Parse("10.0.0.0/8"));
        });

        var closed = await host.SendAndWaitForCloseAsync(Header(version), CloseWait);

        closed.Should().NotBeNull();
        (await WaitForLogAsync(host, 1203)).Id.Name.Should().Be("ProxyHeaderFromUntrustedPeer");
    }

    [Fact]
    public async Task Trusted_networks_and_trust_all_accept_a_header()
    {
        foreach (Action<ProxyProtocolOptions> configure in new Action<ProxyProtocolOptions>[]
        {
            o => { o.KnownProxies.Clear(); o.KnownIPNetworks.Add(IPNetwork.Parse("127.0.0.0/8")); },
            o => { o.KnownProxies.Clear(); o.TrustAllProxies = true; },
        })
        {
            await using var host = await ProxyProtocolTestHost.StartAsync(configure);
            using var http = host.HttpClientSending(Header("v1"), HttpVersion.Version20);
            (await http.GetStringAsync("/", TestContext.Current.CancellationToken)).Should().StartWith($"{Client.Address}|");
        }
    }

    [Fact]
    public async Task Headers_read_and_rejected_are_counted_on_the_Http2Features_meter()
    {
        await using var host = await ProxyProtocolTestHost.StartAsync(tls: false, protocols: HttpProtocols.Http1);
        var meterFactory = host.App.Services.GetRequiredService<IMeterFactory>();
        var seen = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Http2Features" && instrument.Meter.Scope == meterFactory && instrument.Name == "http2features.proxy_protocol.headers")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                seen.Enqueue($"{tag.Key}={tag.Value}");
            }
        });
        listener.Start();

        (await host.SendAndWaitForCloseAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), CloseWait)).Should().NotBeNull();
        await host.SendAndWaitForCloseAsync([.. ProxyHeaderBytes.V1(Client, Frontend), .. "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray()], CloseWait);

        seen.Should().Contain("error.type=missing").And.Contain("http2features.proxy_protocol.version=1");
    }

    [Fact]
    public void Out_of_range_options_fail_when_the_endpoint_is_configured()
    {
        var kestrel = new KestrelServerOptions();
        void Listen(Action<ProxyProtocolOptions> configure) => kestrel.Listen(IPAddress.Loopback, 0, lo => lo.UseProxyProtocol(configure));

        FluentActions.Invoking(() => Listen(o => o.HeaderTimeout = TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => Listen(o => o.MaxHeaderSize = 100)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => Listen(o => o.Mode = (ProxyProtocolMode)7)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static async Task<LogEntry> WaitForLogAsync(ProxyProtocolTestHost host, int eventId)
    {
        // The close reaches the client a moment before or after the log call: poll the captured entries briefly.
        var deadline = DateTime.UtcNow + CloseWait;
        while (DateTime.UtcNow < deadline)
        {
            var entry = host.ProxyLogs(eventId).FirstOrDefault();
            if (entry is not null)
            {
                return entry;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        throw new Xunit.Sdk.XunitException($"no log event {eventId}; logged: {string.Join("; ", host.Logs.Entries.Select(e => $"{e.Id}: {e.Message}"))}");
    }
}
