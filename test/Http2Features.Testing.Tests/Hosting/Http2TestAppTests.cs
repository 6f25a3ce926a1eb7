using System.Net;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Http2Features.Testing.Tests.Hosting;

public class Http2TestAppTests
{
    [Fact]
    public async Task Builder_hook_can_configure_Kestrel_limits_that_the_client_then_sees_in_SETTINGS()
    {
        await using var app = await Http2TestApp.StartAsync(
            a => a.MapGet("/", () => "ok"),
            b => b.WebHost.ConfigureKestrel(k =>
            {
                k.Limits.Http2.MaxStreamsPerConnection = 3;
                k.Limits.Http2.InitialStreamWindowSize = 100_000;
            }));
        await using var client = await app.CreateRawClientAsync();

        client.ServerSettings.MaxConcurrentStreams.Should().Be(3u);
        client.ServerSettings.InitialWindowSize.Should().Be(100_000u);
    }

    [Fact]
    public async Task HttpClients_are_pinned_to_one_version_and_trust_the_generated_certificate()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", (HttpContext c) => c.Request.Protocol));

        var h2 = await app.CreateHttp2Client().GetStringAsync("/");
        var h1 = await app.CreateHttp11Client().GetStringAsync("/");

        h2.Should().Be("HTTP/2");
        h1.Should().Be("HTTP/1.1");
        app.BaseAddress.Host.Should().Be("127.0.0.1");
    }

    [Fact]
    public async Task Http1_only_endpoint_is_reported_clearly_by_the_raw_client()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "ok"),
            options: new Http2TestAppOptions { Protocols = HttpProtocols.Http1 });

        var act = () => app.CreateRawClientAsync();

        (await act.Should().ThrowAsync<RawHttp2Exception>()).WithMessage("*TLS handshake*failed*offered ALPN: h2*ListenOptions.Protocols*");
    }

    [Fact]
    public async Task Raw_client_from_the_app_rejects_a_different_certificate()
    {
        using var other = TestCertificates.CreateSelfSigned();
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "ok"),
            options: new Http2TestAppOptions { Certificate = other });

        // Pinned to the app's certificate: works.
        await using (var client = await app.CreateRawClientAsync())
        {
            (await client.GetAsync("/")).Should().HaveStatus(200);
        }

        // Strict validation against the machine trust store: the self-signed certificate is refused.
        var strict = () => RawHttp2Client.ConnectAsync(app.BaseAddress, new RawHttp2ClientOptions { ValidateServerCertificate = true });
        await strict.Should().ThrowAsync<RawHttp2Exception>();
    }

    [Fact]
    public void Generated_certificate_covers_localhost_and_loopback_with_an_exportable_key()
    {
        using var cert = TestCertificates.CreateSelfSigned();

        cert.HasPrivateKey.Should().BeTrue();
        var san = cert.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single();
        san.EnumerateDnsNames().Should().Contain("localhost");
        san.EnumerateIPAddresses().Should().Contain([IPAddress.Loopback, IPAddress.IPv6Loopback]);
        cert.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12).Should().NotBeEmpty();
    }
}

public class Http2TestAppFailureTests
{
    [Fact]
    public async Task A_throwing_configureApp_surfaces_its_exception()
    {
        var act = () => Http2TestApp.StartAsync(_ => throw new InvalidOperationException("bad test setup"));

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("bad test setup");
    }

    [Fact]
    public async Task Frame_log_stays_bounded_and_keeps_counting()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "x"));
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions { MaxFrameLogEntries = 10 });

        for (var i = 0; i < 10; i++)
        {
            await client.GetAsync("/");
        }

        client.FrameLog.Count.Should().BeLessThanOrEqualTo(10);
        client.FrameLog[^1].Sequence.Should().BeGreaterThan(30, "10 requests produce far more than 10 frames");
    }
}
