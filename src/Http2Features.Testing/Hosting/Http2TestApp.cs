using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Http2Features.Testing;

/// <summary>
/// A minimal app built inside a test and run on real Kestrel: 127.0.0.1, an ephemeral port, TLS with a generated
/// certificate and <c>h2,h1</c> (or cleartext h2c). Dispose it to stop the server.
/// </summary>
/// <example>
/// <code>
/// await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "hi"));
/// await using var client = await app.CreateRawClientAsync();
/// var response = await client.GetAsync("/");
/// </code>
/// </example>
public sealed class Http2TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HandedOutClients _handedOut = new();
    private readonly TimeSpan _stopTimeout;

    private Http2TestApp(WebApplication app, Uri baseAddress, X509Certificate2 certificate, TimeSpan stopTimeout)
    {
        _app = app;
        BaseAddress = baseAddress;
        Certificate = certificate;
        _stopTimeout = stopTimeout;
    }

    /// <summary>The server's address, e.g. <c>https://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The server certificate (generated even when the endpoint is cleartext, so it is never null).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>True when the endpoint serves TLS (https); false for cleartext h2c.</summary>
    public bool UsesTls => BaseAddress.Scheme == Uri.UriSchemeHttps;

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The running app.</summary>
    public WebApplication App => _app;

    /// <summary>Builds and starts the app.</summary>
    /// <param name="configureApp">Adds middleware and endpoints (e.g. <c>app.MapGet(...)</c>).</param>
    /// <param name="configureBuilder">Adds services and Kestrel settings (e.g. <c>builder.Services.AddHttp2Features()</c>, <c>builder.WebHost.ConfigureKestrel(...)</c>).</param>
    /// <param name="options">TLS, protocols and the listen-options hook.</param>
    public static async Task<Http2TestApp> StartAsync(
        Action<WebApplication> configureApp,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Http2TestAppOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configureApp);
        options ??= new Http2TestAppOptions();
        var certificate = options.Certificate ?? TestCertificates.Shared;

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            EnvironmentName = "Testing",
            ApplicationName = typeof(Http2TestApp).Assembly.GetName().Name,
        });
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = options.Protocols ?? (options.Tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2);
                if (options.Tls)
                {
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        options.ConfigureHttps?.Invoke(https);
                    });
                }

                options.ConfigureListenOptions?.Invoke(listen);
            });
        });

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        configureBuilder?.Invoke(builder);
        var app = builder.Build();
        try
        {
            configureApp(app);
            using var cts = new CancellationTokenSource(options.StartStopTimeout);
            await app.StartAsync(cts.Token);
        }
        catch
        {
            // Don't leak a half-started host (and its port) when the test's configuration throws.
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting an address.");
        var port = new Uri(address).Port;
        var baseAddress = new Uri($"{(options.Tls ? "https" : "http")}://127.0.0.1:{port}/");
        return new Http2TestApp(app, baseAddress, certificate, options.ShutdownTimeout);
    }

    /// <summary>An HttpClient that speaks only HTTP/2 (<c>RequestVersionExact</c>) and trusts the test certificate.</summary>
    public HttpClient CreateHttp2Client() => Track(Http2TestClients.Create(BaseAddress, Certificate, Http2TestClients.Http2));

    /// <summary>An HttpClient that speaks only HTTP/1.1 and trusts the test certificate.</summary>
    public HttpClient CreateHttp11Client() => Track(Http2TestClients.Create(BaseAddress, Certificate, Http2TestClients.Http11));

    /// <summary>Connects a raw HTTP/2 client (pinned to the test certificate unless the options say otherwise).</summary>
    public async Task<RawHttp2Client> CreateRawClientAsync(RawHttp2ClientOptions? options = null)
    {
        return _handedOut.Add(await RawHttp2Client.ConnectAsync(BaseAddress, Http2TestClients.RawOptions(options, Certificate)));
    }

    /// <summary>Stops the server and disposes the clients it handed out.</summary>
    public async ValueTask DisposeAsync()
    {
        await _handedOut.DisposeAllAsync();

        using (var cts = new CancellationTokenSource(_stopTimeout))
        {
            try
            {
                await _app.StopAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                // Shutdown timed out: disposal below aborts the remaining connections.
            }
        }

        await _app.DisposeAsync();
    }

    private HttpClient Track(HttpClient client) => _handedOut.Add(client);
}
