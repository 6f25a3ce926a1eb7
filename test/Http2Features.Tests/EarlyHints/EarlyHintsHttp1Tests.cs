using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using FluentAssertions;
using Http2Features.EarlyHints;
using Http2Features.Testing;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintsHttp1Tests
{
    internal static async Task<string> RawTlsExchangeAsync(Http2TestApp app, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", app.BaseAddress.Port, TestContext.Current.CancellationToken);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == app.Certificate.GetCertHashString(),
        }, TestContext.Current.CancellationToken);
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request), TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        using var buffer = new MemoryStream();
        await tls.CopyToAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer.ToArray());
    }

    [Fact]
    public async Task Http11_over_TLS_gets_a_complete_103_block_before_the_final_status_line()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();

        var text = await RawTlsExchangeAsync(app, "GET /hint?delay=200&calls=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        text.Should().StartWith(
            "HTTP/1.1 103 Early Hints\r\nlink: </style0.css>; rel=preload; as=style\r\nlink: </app0.js>; rel=preload; as=script; fetchpriority=high\r\n\r\n" +
            "HTTP/1.1 103 Early Hints\r\nlink: </style1.css>; rel=preload; as=style\r\nlink: </app1.js>; rel=preload; as=script; fetchpriority=high\r\n\r\n" +
            "HTTP/1.1 200 OK\r\n");
        text.Should().EndWith("\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    }

    [Fact]
    public async Task Cleartext_http11_endpoint_gets_the_103_block_too()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync(tls: false, protocols: Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", app.BaseAddress.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync("GET /hint HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, TestContext.Current.CancellationToken);

        Encoding.ASCII.GetString(buffer.ToArray()).Should().StartWith(
            "HTTP/1.1 103 Early Hints\r\nlink: </style0.css>; rel=preload; as=style\r\nlink: </app0.js>; rel=preload; as=script; fetchpriority=high\r\n\r\nHTTP/1.1 200 OK\r\n");
    }

    [Fact]
    public async Task Http10_client_gets_no_103_bytes_and_the_call_reports_it()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();

        var text = await RawTlsExchangeAsync(app, "GET /hint HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");

        text.Should().MatchRegex("^HTTP/1\\.[01] 200 OK\r\n").And.NotContain("103");
        (await host.WaitForResultAsync("/hint")).Status.Should().Be(EarlyHintsStatus.Http10Client);
    }

    [Fact]
    public async Task Keep_alive_connection_sends_each_requests_103_before_its_own_response()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();

        var text = await RawTlsExchangeAsync(app,
            "GET /hint HTTP/1.1\r\nHost: a\r\n\r\nGET /big-body?size=100000 HTTP/1.1\r\nHost: a\r\n\r\nGET /hint HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        var statusLines = text.Split("\r\n").Where(l => l.StartsWith("HTTP/1.1 ", StringComparison.Ordinal)).ToList();
        statusLines.Should().Equal("HTTP/1.1 103 Early Hints", "HTTP/1.1 200 OK", "HTTP/1.1 103 Early Hints", "HTTP/1.1 200 OK", "HTTP/1.1 103 Early Hints", "HTTP/1.1 200 OK");
    }
}
