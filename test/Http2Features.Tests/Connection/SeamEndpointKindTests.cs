using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Connection;

/// <summary>
/// Every way an app can declare an endpoint — <c>Kestrel:Endpoints</c> configuration, URLs (<c>--urls</c> and
/// <c>UseUrls</c>), a unix domain socket — over TLS and as h2c, with nothing but <c>AddHttp2Features()</c>: the
/// request's priority is reported, the 103 reaches a real client within 50 ms of the call (fastest of 3), and the
/// start-up check does not warn. TLS endpoints from configuration and URLs get HTTPS added after the endpoint
/// defaults, so these are the kinds where the seam is installed below TLS and must still see plaintext.
/// </summary>
public sealed class SeamEndpointKindTests : IDisposable
{
    // A short directory under /tmp: unix socket paths are limited to 107 bytes.
    private readonly string _dir = Directory.CreateTempSubdirectory("h2f-kind-").FullName;

    public enum Kind
    {
        KestrelEndpointsHttps,
        KestrelEndpointsH2c,
        KestrelEndpointsUnixSocketHttps,
        UrlsArgumentHttps,
        UseUrlsH2c,
        UseUrlsUnixSocketHttps,
        ListenUnixSocketHttps,
        ListenUnixSocketH2c,
    }

    [Theory]
    [InlineData(Kind.KestrelEndpointsHttps)]
    [InlineData(Kind.KestrelEndpointsH2c)]
    [InlineData(Kind.KestrelEndpointsUnixSocketHttps)]
    [InlineData(Kind.UrlsArgumentHttps)]
    [InlineData(Kind.UseUrlsH2c)]
    [InlineData(Kind.UseUrlsUnixSocketHttps)]
    [InlineData(Kind.ListenUnixSocketHttps)]
    [InlineData(Kind.ListenUnixSocketH2c)]
    public async Task Every_endpoint_kind_reports_priority_and_puts_a_103_on_the_wire_within_50_ms(Kind kind)
    {
        var logs = new CapturingLoggerProvider();
        var socket = Path.Combine(_dir, "s");
        var tls = kind is not (Kind.KestrelEndpointsH2c or Kind.UseUrlsH2c or Kind.ListenUnixSocketH2c);
        var pfx = Path.Combine(_dir, "c.pfx");
        await File.WriteAllBytesAsync(pfx, TestCertificates.Shared.Export(X509ContentType.Pfx, "pw"), TestContext.Current.CancellationToken);

        string[] args = kind == Kind.UrlsArgumentHttps ? ["--urls", "https://127.0.0.1:0"] : [];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Services.AddHttp2Features();
        var config = new Dictionary<string, string?>();
        switch (kind)
        {
            case Kind.KestrelEndpointsHttps:
                config["Kestrel:Endpoints:Main:Url"] = "https://127.0.0.1:0";
                break;
            case Kind.KestrelEndpointsH2c:
                config["Kestrel:Endpoints:Main:Url"] = "http://127.0.0.1:0";
                config["Kestrel:Endpoints:Main:Protocols"] = "Http2";
                break;
            case Kind.KestrelEndpointsUnixSocketHttps:
                config["Kestrel:Endpoints:Main:Url"] = "https://unix:" + socket;
                break;
            case Kind.UrlsArgumentHttps:
                break;
            case Kind.UseUrlsH2c:
                // URLs carry no protocol: the endpoint defaults from configuration do.
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                config["Kestrel:EndpointDefaults:Protocols"] = "Http2";
                break;
            case Kind.UseUrlsUnixSocketHttps:
                builder.WebHost.UseUrls("https://unix:" + socket);
                break;
            case Kind.ListenUnixSocketHttps:
                builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket, lo => lo.UseHttps(TestCertificates.Shared)));
                break;
            case Kind.ListenUnixSocketH2c:
                builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket, lo => lo.Protocols = HttpProtocols.Http2));
                break;
        }

        if (kind is not (Kind.ListenUnixSocketHttps or Kind.ListenUnixSocketH2c))
        {
            // The certificate Kestrel's configuration loader and address binder use for https endpoints.
            config["Kestrel:Certificates:Default:Path"] = pfx;
            config["Kestrel:Certificates:Default:Password"] = "pw";
        }

        builder.Configuration.AddInMemoryCollection(config);
        await using var app = builder.Build();
        app.Map(EndpointProbe.Path, EndpointProbe.Handle);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await app.StartAsync(cts.Token);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Should().ContainSingle().Subject;
        var unix = address.Contains("unix:", StringComparison.Ordinal);
        unix.Should().Be(kind is Kind.KestrelEndpointsUnixSocketHttps or Kind.UseUrlsUnixSocketHttps or Kind.ListenUnixSocketHttps or Kind.ListenUnixSocketH2c, address);
        var scheme = tls ? "https" : "http";
        var baseAddress = unix ? new Uri($"{scheme}://localhost/") : new Uri($"{scheme}://127.0.0.1:{BindingAddress.Parse(address).Port}/");
        await using var client = await RawHttp2Client.ConnectAsync(
            baseAddress,
            new RawHttp2ClientOptions { UnixSocketPath = unix ? socket : null, Timeout = TimeSpan.FromSeconds(20) },
            TestContext.Current.CancellationToken);

        var report = await EndpointProbe.CheckAsync(client, rounds: 3);

        report.Protocol.Should().Be("HTTP/2");
        client.GoAway.Should().BeNull();
        logs.Entries.Should().NotContain(e => e.Id.Id == Http2FeaturesEventIds.Connection.EndpointWithoutSeam || e.Id.Id == Http2FeaturesEventIds.Connection.TransportHiddenFromSeam, "every endpoint here has a working seam");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
