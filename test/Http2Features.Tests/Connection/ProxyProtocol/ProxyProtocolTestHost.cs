using System.Net;
using System.Net.Sockets;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Connection.ProxyProtocol;

/// <summary>Real Kestrel with <c>UseProxyProtocol()</c> before <c>UseHttps()</c> (the deployment shape) and the pack on.</summary>
internal sealed class ProxyProtocolTestHost : IAsyncDisposable
{
    private readonly KestrelTestHost _host;

    private ProxyProtocolTestHost(KestrelTestHost host, CapturingLoggerProvider logs)
    {
        _host = host;
        Logs = logs;
    }

    public WebApplication App => _host.App;

    /// <summary>127.0.0.1 and the bound port, https or http.</summary>
    public Uri BaseAddress => _host.BaseAddress;

    public CapturingLoggerProvider Logs { get; }

    public int Port => BaseAddress.Port;

    public static async Task<ProxyProtocolTestHost> StartAsync(
        Action<ProxyProtocolOptions>? configure = null,
        bool tls = true,
        HttpProtocols protocols = HttpProtocols.Http1AndHttp2,
        string? unixSocketPath = null,
        bool pack = true)
    {
        var logs = new CapturingLoggerProvider();
        var host = await KestrelTestHost.StartAsync(
            new KestrelTestHostOptions
            {
                Tls = tls,
                Protocols = protocols,
                UnixSocketPath = unixSocketPath,
                BeforeTls = lo => lo.UseProxyProtocol(o => configure?.Invoke(o)),
                ConfigureBuilder = builder =>
                {
                    builder.Logging.SetMinimumLevel(LogLevel.Debug);
                    builder.Logging.AddProvider(logs);
                    if (pack)
                    {
                        builder.Services.AddHttp2Features();
                    }
                },
            },
            app =>
            {
                app.Map(EndpointProbe.Path, EndpointProbe.Handle);
                app.MapFallback(c => c.Response.WriteAsync($"{c.Connection.RemoteIpAddress}|{c.Connection.RemotePort}|{c.Features.Get<IHttpProxyProtocolFeature>()?.Version ?? 0}"));
            });
        return new ProxyProtocolTestHost(host, logs);
    }

    public Task<RawHttp2Client> ConnectAsync(byte[] proxyHeader, string? unixSocketPath = null)
    {
        var options = new RawHttp2ClientOptions { ConnectionPrefix = proxyHeader, UnixSocketPath = unixSocketPath, Timeout = TimeSpan.FromSeconds(20) };
        return RawHttp2Client.ConnectAsync(BaseAddress, options, TestContext.Current.CancellationToken);
    }

    /// <summary>An HTTP/1.1 or HTTP/2 HttpClient over TLS whose connections start with <paramref name="proxyHeader"/>.</summary>
    public HttpClient HttpClientSending(byte[] proxyHeader, Version version)
    {
        var thumbprint = TestCertificates.Shared.GetCertHashString();
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == thumbprint },
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                var stream = new NetworkStream(socket, ownsSocket: true);
                await stream.WriteAsync(proxyHeader, ct);
                return stream;
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = BaseAddress,
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    /// <summary>
    /// Opens a TCP connection, writes <paramref name="bytes"/>, and returns how long the server took to close it
    /// (and what it sent before closing), or null when it was still open after <paramref name="wait"/>.
    /// </summary>
    public async Task<(TimeSpan Elapsed, int BytesReceived)?> SendAndWaitForCloseAsync(byte[] bytes, TimeSpan wait)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await socket.SendAsync(bytes, TestContext.Current.CancellationToken);
        var buffer = new byte[4096];
        var received = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(wait);
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, cts.Token);
                if (n == 0)
                {
                    return (System.Diagnostics.Stopwatch.GetElapsedTime(started), received);
                }

                received += n;
            }
        }
        catch (SocketException)
        {
            return (System.Diagnostics.Stopwatch.GetElapsedTime(started), received); // reset counts as closed
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public IEnumerable<LogEntry> ProxyLogs(int eventId) =>
        Logs.Entries.Where(e => e.Id.Id == eventId);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
