using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Http2Features.Testing;

/// <summary>
/// A <see cref="WebApplicationFactory{TEntryPoint}"/> that runs the app on real Kestrel instead of TestServer: 127.0.0.1,
/// an ephemeral port, TLS with a generated certificate, <c>h2,h1</c>. Use it like the usual factory (as a class fixture,
/// <c>WithWebHostBuilder</c> overrides...), and get clients from <see cref="CreateHttp2Client"/>, <see cref="CreateHttp11Client"/>
/// and <see cref="CreateRawClientAsync"/>. The server starts on first use.
/// </summary>
/// <typeparam name="TEntryPoint">A type in the app's entry assembly, usually <c>Program</c>.</typeparam>
public class Http2WebApplicationFactory<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private readonly object _startLock = new();
    private readonly HandedOutClients _handedOut = new();
    private readonly List<Http2WebApplicationFactory<TEntryPoint>> _derived = new();
    private Uri? _serverAddress;

    /// <summary>Creates the factory; change <see cref="ServerOptions"/> before the server starts.</summary>
    public Http2WebApplicationFactory()
    {
        UseKestrel(ConfigureKestrelEndpoint);
    }

    /// <summary>TLS, protocols, certificate and the listen-options hook of the endpoint. Read when the server starts.</summary>
    public Http2TestAppOptions ServerOptions { get; } = new();

    /// <summary>The server certificate.</summary>
    public X509Certificate2 Certificate => ServerOptions.Certificate ?? TestCertificates.Shared;

    /// <summary>The server's address (starts the server), e.g. <c>https://127.0.0.1:54321/</c>.</summary>
    public Uri ServerAddress
    {
        get
        {
            EnsureStarted();
            return _serverAddress!;
        }
    }

    /// <summary>An HttpClient that speaks only HTTP/2 (<c>RequestVersionExact</c>) and trusts the test certificate.</summary>
    public HttpClient CreateHttp2Client() => Track(Http2TestClients.Create(ServerAddress, Certificate, Http2TestClients.Http2));

    /// <summary>An HttpClient that speaks only HTTP/1.1 and trusts the test certificate.</summary>
    public HttpClient CreateHttp11Client() => Track(Http2TestClients.Create(ServerAddress, Certificate, Http2TestClients.Http11));

    /// <summary>Connects a raw HTTP/2 client to the server (pinned to the test certificate unless the options say otherwise).</summary>
    public async Task<RawHttp2Client> CreateRawClientAsync(RawHttp2ClientOptions? o = null)
    {
        return _handedOut.Add(await RawHttp2Client.ConnectAsync(ServerAddress, Http2TestClients.RawOptions(o, Certificate)));
    }

    /// <summary>
    /// Like <c>WithWebHostBuilder</c>, but the new factory is again an <see cref="Http2WebApplicationFactory{TEntryPoint}"/>
    /// (real Kestrel, same <see cref="ServerOptions"/> and endpoint configuration) with its own server. Disposed with this one.
    /// </summary>
    public Http2WebApplicationFactory<TEntryPoint> WithHttp2WebHostBuilder(Action<IWebHostBuilder> configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var derived = new DerivedFactory(this, configuration);
        var o = derived.ServerOptions;
        o.Tls = ServerOptions.Tls;
        o.Protocols = ServerOptions.Protocols;
        o.Certificate = ServerOptions.Certificate;
        o.ConfigureListenOptions = ServerOptions.ConfigureListenOptions;
        o.ConfigureHttps = ServerOptions.ConfigureHttps;
        o.MinimumLogLevel = ServerOptions.MinimumLogLevel;
        o.ShutdownTimeout = ServerOptions.ShutdownTimeout;
        lock (_derived)
        {
            _derived.Add(derived);
        }

        return derived;
    }

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureLogging(l => l.SetMinimumLevel(ServerOptions.MinimumLogLevel));
        builder.ConfigureServices(s => s.Configure<HostOptions>(o => o.ShutdownTimeout = ServerOptions.ShutdownTimeout));
        base.ConfigureWebHost(builder);
    }

    /// <summary>Configures Kestrel's single endpoint; override to add limits (call the base method).</summary>
    protected virtual void ConfigureKestrelEndpoint(KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var serverOptions = ServerOptions;
        var certificate = Certificate;
        options.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = serverOptions.Protocols ?? (serverOptions.Tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2);
            if (serverOptions.Tls)
            {
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    serverOptions.ConfigureHttps?.Invoke(https);
                });
            }

            serverOptions.ConfigureListenOptions?.Invoke(listen);
        });
    }

    /// <summary>Disposes the clients handed out, then stops the server.</summary>
    public override async ValueTask DisposeAsync()
    {
        await _handedOut.DisposeAllAsync();

        Http2WebApplicationFactory<TEntryPoint>[] derived;
        lock (_derived)
        {
            derived = _derived.ToArray();
            _derived.Clear();
        }

        foreach (var d in derived)
        {
            await d.DisposeAsync();
        }

        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private void EnsureStarted()
    {
        if (_serverAddress is not null)
        {
            return;
        }

        lock (_startLock)
        {
            if (_serverAddress is not null)
            {
                return;
            }

            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
                .FirstOrDefault(a => a.Contains("127.0.0.1", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("Kestrel started without a 127.0.0.1 address; did the app replace the server or its endpoints?");
            var port = new Uri(address).Port;
            _serverAddress = new Uri($"{(ServerOptions.Tls ? "https" : "http")}://127.0.0.1:{port}/");
        }
    }

    private HttpClient Track(HttpClient client) => _handedOut.Add(client);

    // Runs the parent's host and Kestrel configuration (including a user subclass's overrides), then the extra one.
    private sealed class DerivedFactory : Http2WebApplicationFactory<TEntryPoint>
    {
        private readonly Http2WebApplicationFactory<TEntryPoint> _parent;
        private readonly Action<IWebHostBuilder> _configuration;

        public DerivedFactory(Http2WebApplicationFactory<TEntryPoint> parent, Action<IWebHostBuilder> configuration)
        {
            _parent = parent;
            _configuration = configuration;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            _parent.ConfigureWebHost(builder);
            _configuration(builder);
        }

        protected override void ConfigureKestrelEndpoint(KestrelServerOptions options) => _parent.ConfigureKestrelEndpoint(options);
    }
}
