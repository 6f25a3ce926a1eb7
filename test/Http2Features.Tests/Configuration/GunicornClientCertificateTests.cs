using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;

namespace Http2Features.Tests.Configuration;

/// <summary>cert_reqs + ca_certs on real Kestrel: only clients with a certificate issued by the configured CA get in.</summary>
public sealed class GunicornClientCertificateTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Cert_reqs_2_with_ca_certs_admits_only_clients_issued_by_that_CA()
    {
        var (serverCert, serverKey) = _files.Certificate();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test Client CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var caPath = _files.Write("clients-ca.pem", ca.ExportCertificatePem());

        using var issued = ClientCertificate("CN=trusted client", ca);
        using var stranger = ClientCertificate("CN=stranger", issuer: null);

        await using var server = await GunicornTestServer.StartAsync(
            ["-b", "127.0.0.1:0", "--certfile", serverCert, "--keyfile", serverKey, "--cert-reqs", "2", "--ca-certs", caPath], _files.Root);
        var serverCertificate = X509Certificate2.CreateFromPem(File.ReadAllText(serverCert));

        (await TryGet(server.Address, serverCertificate, issued)).Should().Be("HTTP/2 https");
        (await TryGet(server.Address, serverCertificate, stranger)).Should().BeNull("a certificate from another issuer is refused");
        (await TryGet(server.Address, serverCertificate, null)).Should().BeNull("cert_reqs = 2 requires a certificate");
    }

    private static X509Certificate2 ClientCertificate(string subject, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(10);
        if (issuer is null)
        {
            using var selfSigned = request.CreateSelfSigned(notBefore, notAfter);
            return X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pkcs12), null);
        }

        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        using var signed = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task<string?> TryGet(Uri address, X509Certificate2 serverCertificate, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString() == serverCertificate.GetCertHashString(),
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate!,
            },
        };
        if (clientCertificate is null)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = null;
        }

        using var client = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(20) };
        try
        {
            using var response = await client.GetAsync(address, TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
