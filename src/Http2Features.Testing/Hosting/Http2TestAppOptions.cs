using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Http2Features.Testing;

/// <summary>How <see cref="Http2TestApp"/> sets up its Kestrel endpoint.</summary>
public sealed class Http2TestAppOptions
{
    /// <summary>Serve TLS (default true). False serves cleartext: with the default protocols that is h2c prior knowledge only.</summary>
    public bool Tls { get; set; } = true;

    /// <summary>The endpoint's protocols; default <c>Http1AndHttp2</c> with TLS (ALPN h2, http/1.1) and <c>Http2</c> without.</summary>
    public HttpProtocols? Protocols { get; set; }

    /// <summary>The server certificate; default <see cref="TestCertificates.Shared"/>.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>
    /// Runs inside the endpoint's <c>Listen</c> callback AFTER <c>UseHttps(...)</c> — the place for connection middleware that
    /// must see decrypted HTTP/2 bytes (<c>listenOptions.Use(...)</c>).
    /// </summary>
    public Action<ListenOptions>? ConfigureListenOptions { get; set; }

    /// <summary>Runs on the HTTPS adapter options before the handshake settings are fixed (e.g. change ALPN order).</summary>
    public Action<Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions>? ConfigureHttps { get; set; }

    /// <summary>Minimum log level of the test host's logging (default Warning, to keep test output readable).</summary>
    public Microsoft.Extensions.Logging.LogLevel MinimumLogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>How long start may take (default 30 s).</summary>
    public TimeSpan StartStopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long disposal waits for in-flight requests before Kestrel aborts their connections (default 2 s: a test that
    /// leaves a request hanging should not slow the suite down).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
