using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Http2Features.Testing;

/// <summary>Builds HttpClients pinned to one HTTP version and trusting one test certificate.</summary>
internal static class Http2TestClients
{
    public static HttpClient Create(Uri baseAddress, X509Certificate2? certificate, Version version)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                // Trust exactly the test host's certificate, nothing else.
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                    errors == SslPolicyErrors.None
                    || (certificate is not null && cert is not null && cert.GetCertHashString() == certificate.GetCertHashString()),
            },
        };
        return new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public static Version Http2 => HttpVersion.Version20;

    public static Version Http11 => HttpVersion.Version11;

    public static RawHttp2ClientOptions RawOptions(RawHttp2ClientOptions? options, X509Certificate2? certificate)
    {
        options ??= new RawHttp2ClientOptions();
        if (options.RemoteCertificateValidationCallback is null && !options.ValidateServerCertificate && certificate is not null)
        {
            var thumbprint = certificate.GetCertHashString();
            options.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == thumbprint;
        }

        return options;
    }
}

/// <summary>The clients a test host handed out, disposed (raw clients first) when the host is.</summary>
internal sealed class HandedOutClients
{
    private readonly List<HttpClient> _httpClients = new();
    private readonly List<RawHttp2Client> _rawClients = new();
    private readonly Lock _lock = new();

    public HttpClient Add(HttpClient client)
    {
        lock (_lock)
        {
            _httpClients.Add(client);
        }

        return client;
    }

    public RawHttp2Client Add(RawHttp2Client client)
    {
        lock (_lock)
        {
            _rawClients.Add(client);
        }

        return client;
    }

    public async ValueTask DisposeAllAsync()
    {
        RawHttp2Client[] raw;
        HttpClient[] http;
        lock (_lock)
        {
            raw = _rawClients.ToArray();
            http = _httpClients.ToArray();
            _rawClients.Clear();
            _httpClients.Clear();
        }

        foreach (var client in raw)
        {
            await client.DisposeAsync();
        }

        foreach (var client in http)
        {
            client.Dispose();
        }
    }
}
