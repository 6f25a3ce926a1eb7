using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using FluentAssertions;
using Http2Features.Tests.Connection.ProxyProtocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Configuration;

/// <summary>gunicorn's <c>proxy_protocol</c> and <c>proxy_allow_ips</c> map to <c>UseProxyProtocol</c> on every bind, before TLS.</summary>
public sealed class GunicornProxyProtocolTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("\"v1\"", ProxyProtocolMode.V1)]
    [InlineData("\"v2\"", ProxyProtocolMode.V2)]
    [InlineData("\"auto\"", ProxyProtocolMode.Auto)]
    [InlineData("\"AUTO\"", ProxyProtocolMode.Auto)]
    [InlineData("True", ProxyProtocolMode.Auto)]
    [InlineData("False", null)]
    [InlineData("\"off\"", null)]
    [InlineData("None", null)]
    public void Proxy_protocol_in_a_config_file_takes_gunicorns_values(string python, ProxyProtocolMode? expected)
    {
        var result = _files.Load(args: ["-c", _files.Write("gunicorn.conf.py", $"proxy_protocol = {python}\n")]);

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.ProxyProtocol.Mode.Should().Be(expected);
    }

    [Fact]
    public void The_flag_alone_means_auto_as_in_gunicorn_and_takes_a_value_otherwise()
    {
        _files.Load(args: ["--proxy-protocol"]).Settings!.ProxyProtocol.Mode.Should().Be(ProxyProtocolMode.Auto);
        _files.Load(args: ["--proxy-protocol", "-b", "127.0.0.1:0"]).Settings!.ProxyProtocol.Mode.Should().Be(ProxyProtocolMode.Auto);
        _files.Load(args: ["--proxy-protocol", "v2"]).Settings!.ProxyProtocol.Mode.Should().Be(ProxyProtocolMode.V2);
        _files.Load(args: ["--proxy-protocol=v1"]).Settings!.ProxyProtocol.Mode.Should().Be(ProxyProtocolMode.V1);
        _files.Load(environment: "--proxy-protocol v2").Settings!.ProxyProtocol.Mode.Should().Be(ProxyProtocolMode.V2);
        _files.Load().Settings!.ProxyProtocol.Mode.Should().BeNull("gunicorn's default is off");
    }

    [Fact]
    public void A_bad_proxy_protocol_value_stops_start_up_naming_the_allowed_values()
    {
        _files.Load(args: ["--proxy-protocol", "v3"]).ErrorMessages.Should().ContainSingle()
            .Which.Should().StartWith("proxy_protocol = v3 (command-line flag --proxy-protocol): ").And.Contain("off, v1, v2, auto");
    }

    [Fact]
    public void Proxy_allow_ips_defaults_to_loopback_and_takes_addresses_networks_and_star()
    {
        var defaults = _files.Load(args: ["--proxy-protocol"]).Settings!;
        defaults.ProxyProtocol.Proxies.Should().Equal(IPAddress.Loopback, IPAddress.IPv6Loopback);
        defaults.ProxyProtocol.TrustAll.Should().BeFalse();

        var mixed = _files.Load(args: ["--proxy-protocol", "--proxy-allow-from", "10.0.0.1, 192.168.0.0/16"]).Settings!;
        mixed.ProxyProtocol.Proxies.Should().Equal(IPAddress.Parse("10.0.0.1"));
        mixed.ProxyProtocol.Networks.Should().Equal(IPNetwork.Parse("192.168.0.0/16"));

        _files.Load(configuration: new Dictionary<string, string?> { ["Gunicorn:proxy_allow_ips"] = "*" }).Settings!.ProxyProtocol.TrustAll.Should().BeTrue();

        _files.Load(args: ["--proxy-allow-from", "10.0.0.1,lb.local"]).ErrorMessages.Should().ContainSingle()
            .Which.Should().StartWith("proxy_allow_ips = 10.0.0.1,lb.local (command-line flag --proxy-allow-from): 'lb.local' is not an IP address, a CIDR network or *");
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task A_bind_with_proxy_protocol_reads_the_header_before_TLS_and_rejects_a_connection_without_one(string version)
    {
        var (cert, key) = _files.Certificate();
        var conf = _files.Write("gunicorn.conf.py", $"bind = \"127.0.0.1:0\"\ncertfile = \"{cert}\"\nkeyfile = \"{key}\"\nproxy_protocol = \"{version}\"\nproxy_allow_ips = \"127.0.0.0/8\"\n");
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _files.Root, EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseGunicornSettings(["-c", conf], o => o.ReadEnvironmentVariable = false);
        await using var app = builder.Build();
        app.MapGet("/", (HttpContext c) => $"{c.Connection.RemoteIpAddress}|{c.Connection.RemotePort}|{c.Request.Protocol}");
        await app.StartAsync(TestContext.Current.CancellationToken);
        var port = new Uri(app.Urls.Single()).Port;
        var client = new IPEndPoint(IPAddress.Parse("203.0.113.9"), 41000);
        var header = version == "v1"
            ? ProxyHeaderBytes.V1(client, new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443))
            : ProxyHeaderBytes.V2(client, new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443));
        var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(cert));

        using var http = GunicornTestServer.Client(certificate, HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact, async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            var stream = new NetworkStream(socket, ownsSocket: true);
            await stream.WriteAsync(header, ct);
            return stream;
        });
        (await http.GetStringAsync($"https://127.0.0.1:{port}/", TestContext.Current.CancellationToken)).Should().Be("203.0.113.9|41000|HTTP/2");

        using var bare = GunicornTestServer.Client(certificate, HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);
        await FluentActions.Awaiting(() => bare.GetStringAsync($"https://127.0.0.1:{port}/", TestContext.Current.CancellationToken))
            .Should().ThrowAsync<HttpRequestException>("a trusted peer (loopback) must send the header");
        await app.StopAsync(TestContext.Current.CancellationToken);
        logs.Entries.Should().Contain(e => e.Id.Id == 1201, "the reject is logged");
    }
}
