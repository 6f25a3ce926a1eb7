using System.Net;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.TestSupport;

/// <summary>What <see cref="KestrelTestHost"/> starts: one endpoint and the connection middleware around its TLS.</summary>
internal sealed class KestrelTestHostOptions
{
    /// <summary>TLS with <see cref="TestCertificates.Shared"/> (https); false for cleartext.</summary>
    public bool Tls { get; init; } = true;

    public HttpProtocols Protocols { get; init; } = HttpProtocols.Http1AndHttp2;

    /// <summary>Middleware that must see the raw bytes, before <c>UseHttps</c> (e.g. <c>UseProxyProtocol()</c>).</summary>
    public Action<ListenOptions>? BeforeTls { get; init; }

    /// <summary>Middleware that sees plaintext, after <c>UseHttps</c> (recorders, the seam).</summary>
    public Action<ListenOptions>? AfterTls { get; init; }

    /// <summary>Listen on this Unix socket instead of 127.0.0.1 with an ephemeral port.</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>Services and logging (the host starts with no logging providers).</summary>
    public Action<WebApplicationBuilder>? ConfigureBuilder { get; init; }
}

/// <summary>
/// Real Kestrel for tests that need more than <see cref="Http2TestApp"/>: middleware before <c>UseHttps</c>, a Unix
/// socket, no pack. One endpoint on 127.0.0.1 with an ephemeral port, TLS with the shared test certificate; started,
/// with its address. The one start-up shared by the PROXY protocol, haproxy and Kestrel pinning tests.
/// </summary>
internal sealed class KestrelTestHost : IAsyncDisposable
{
    private KestrelTestHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
    }

    public WebApplication App { get; }

    /// <summary><c>https://127.0.0.1:port/</c> (or http); port 443 on a Unix socket, where clients connect by path.</summary>
    public Uri BaseAddress { get; }

    public int Port => BaseAddress.Port;

    public static async Task<KestrelTestHost> StartAsync(KestrelTestHostOptions options, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        options.ConfigureBuilder?.Invoke(builder);
        builder.WebHost.ConfigureKestrel(k =>
        {
            void Endpoint(ListenOptions lo)
            {
                lo.Protocols = options.Protocols;
                options.BeforeTls?.Invoke(lo);
                if (options.Tls)
                {
                    lo.UseHttps(TestCertificates.Shared);
                }

                options.AfterTls?.Invoke(lo);
            }

            if (options.UnixSocketPath is { } path)
            {
                k.ListenUnixSocket(path, Endpoint);
            }
            else
            {
                k.Listen(IPAddress.Loopback, 0, Endpoint);
            }
        });
        var app = builder.Build();
        try
        {
            map(app);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await app.StartAsync(cts.Token);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = options.UnixSocketPath is null ? BindingAddress.Parse(address).Port : 443;
        return new KestrelTestHost(app, new Uri($"{(options.Tls ? "https" : "http")}://127.0.0.1:{port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await App.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Shutdown timed out: disposal below aborts the remaining connections.
        }

        await App.DisposeAsync();
    }
}
