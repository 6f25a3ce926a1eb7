using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Http2Features.Testing;

/// <summary>Self-signed TLS certificates generated in-process for test servers.</summary>
public static class TestCertificates
{
    private static readonly Lazy<X509Certificate2> s_shared = new(() => CreateSelfSigned());

    /// <summary>One certificate per process (for <c>localhost</c>), generated on first use and shared by every test host.</summary>
    public static X509Certificate2 Shared => s_shared.Value;

    /// <summary>
    /// Creates a self-signed server certificate: ECDSA P-256, SAN <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c> plus
    /// <paramref name="subjectName"/>, server-auth EKU, valid from yesterday for 30 days. The private key is exportable and
    /// the certificate is re-imported from PKCS#12 so SslStream can use it on every platform.
    /// </summary>
    public static X509Certificate2 CreateSelfSigned(string subjectName = "localhost")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subjectName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        if (!string.Equals(subjectName, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(subjectName, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(subjectName);
            }
        }

        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new("1.3.6.1.5.5.7.3.1") }, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        var pfx = created.Export(X509ContentType.Pkcs12, (string?)null);
        return X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>The certificate as PEM (certificate only), e.g. to hand to an external client as a CA file.</summary>
    public static string ExportCertificatePem(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.ExportCertificatePem();
    }
}
