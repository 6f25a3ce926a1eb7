using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Http2Features.Configuration;

/// <summary>
/// The self-signed development certificate of the embedded default: generated on first run with
/// <see cref="CertificateRequest"/> (no openssl, no <c>dotnet dev-certs</c>), stored as a PEM pair, reused later.
/// </summary>
internal static class DevelopmentCertificate
{
    /// <summary>Folder under the content root that holds the pair.</summary>
    public const string DirectoryName = "certs";

    /// <summary>Certificate file name (PEM).</summary>
    public const string CertificateFileName = "localhost.pem";

    /// <summary>Private key file name (PEM, PKCS#8).</summary>
    public const string KeyFileName = "localhost-key.pem";

    public static string CertificatePath(string contentRoot) => Path.Combine(contentRoot, DirectoryName, CertificateFileName);

    public static string KeyPath(string contentRoot) => Path.Combine(contentRoot, DirectoryName, KeyFileName);

    /// <summary>Loads the pair at the given paths, generating it first when missing or expiring.</summary>
    /// <returns>The certificate and whether it was generated now.</returns>
    public static (X509Certificate2 Certificate, bool Created) LoadOrCreate(string certificatePath, string keyPath)
    {
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            try
            {
                var existing = CertificateFiles.LoadPem(certificatePath, keyPath);
                if (existing.NotAfter > DateTime.Now.AddDays(1))
                {
                    return (existing, false);
                }

                existing.Dispose();
            }
            catch (CryptographicException)
            {
                // Unreadable pair: replace it, it is ours.
            }
        }

        Write(certificatePath, keyPath);
        return (CertificateFiles.LoadPem(certificatePath, keyPath), true);
    }

    /// <summary>Creates a new self-signed certificate for localhost, 127.0.0.1 and ::1 and writes it as PEM.</summary>
    public static void Write(string certificatePath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(certificatePath))!);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keyPath))!);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

/// <summary>Loads gunicorn's certfile/keyfile/ca_certs.</summary>
internal static class CertificateFiles
{
    /// <summary>Loads a PEM certificate with its key (or a PKCS#12 file), usable by SslStream on every OS.</summary>
    public static X509Certificate2 LoadPem(string certificatePath, string? keyPath)
    {
        var extension = Path.GetExtension(certificatePath);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password: null);
        }

        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Round-trip through PKCS#12: Windows' SChannel refuses the ephemeral key CreateFromPemFile gives.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>All certificates in a PEM file (chain or CA bundle).</summary>
    public static X509Certificate2Collection LoadAll(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection;
    }
}
