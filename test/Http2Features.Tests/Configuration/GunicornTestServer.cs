using System.Buffers.Binary;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Configuration;

/// <summary>Real Kestrel started through the binder exactly as a user's Program.cs would, with captured logs.</summary>
internal sealed class GunicornTestServer : IAsyncDisposable
{
    private GunicornTestServer(WebApplication app, CapturingLoggerProvider logs)
    {
        App = app;
        Logs = logs;
    }

    public WebApplication App { get; }

    public CapturingLoggerProvider Logs { get; }

    public IReadOnlyList<string> Addresses => App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();

    public Uri Address => new(Addresses.Single());

    public static WebApplication Build(string[] args, string contentRoot, CapturingLoggerProvider logs, Action<WebApplicationBuilder>? configure = null)
    {
        // The same args go to CreateBuilder and to the binder, as in the example's Program.cs.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot, EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseGunicornSettings(args, o =>
        {
            o.ReadEnvironmentVariable = false;
            o.ExitOnInvalidSettings = false; // in-process: get the exception, not the end of the test run
        });
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapGet("/", (HttpContext c) => c.Request.Protocol + " " + c.Request.Scheme);
        return app;
    }

    public static async Task<GunicornTestServer> StartAsync(string[] args, string contentRoot, Action<WebApplicationBuilder>? configure = null)
    {
        var logs = new CapturingLoggerProvider();
        var app = Build(args, contentRoot, logs, configure);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new GunicornTestServer(app, logs);
    }

    public static HttpClient Client(X509Certificate2 serverCertificate, Version version, HttpVersionPolicy policy, Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString() == serverCertificate.GetCertHashString() },
        };
        if (connect is not null)
        {
            handler.ConnectCallback = connect;
        }

        return new HttpClient(handler) { DefaultRequestVersion = version, DefaultVersionPolicy = policy, Timeout = TimeSpan.FromSeconds(20) };
    }

    /// <summary>Opens TLS to the server offering <paramref name="alpn"/> in that order; returns the stream (null if the handshake failed).</summary>
    public static async Task<(SslStream? Stream, SslApplicationProtocol Negotiated, Exception? Error)> TlsAsync(Uri address, params SslApplicationProtocol[] alpn)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, address.Port, TestContext.Current.CancellationToken);
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = alpn.ToList(),
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, TestContext.Current.CancellationToken);
            return (ssl, ssl.NegotiatedApplicationProtocol, null);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
        {
            await ssl.DisposeAsync();
            tcp.Dispose();
            return (null, default, ex);
        }
    }

    /// <summary>Sends the HTTP/2 preface and an empty SETTINGS, then reads the server's SETTINGS and its connection WINDOW_UPDATE.</summary>
    public static async Task<(Dictionary<int, uint> Settings, uint ConnectionWindowIncrement)> ReadServerSettingsAsync(Stream stream)
    {
        var ct = TestContext.Current.CancellationToken;
        await stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), ct);
        await stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }, ct);
        await stream.FlushAsync(ct);

        Dictionary<int, uint>? settings = null;
        uint increment = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (settings is null || increment == 0)
        {
            var header = new byte[9];
            await stream.ReadExactlyAsync(header, timeout.Token);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = header[3];
            var flags = header[4];
            var streamId = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFFFFFF;
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, timeout.Token);
            if (type == 0x4 && (flags & 0x1) == 0)
            {
                settings = [];
                for (var i = 0; i + 6 <= payload.Length; i += 6)
                {
                    settings[BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i))] = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
                }
            }
            else if (type == 0x8 && streamId == 0)
            {
                increment = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF;
            }
        }

        return (settings, increment);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
