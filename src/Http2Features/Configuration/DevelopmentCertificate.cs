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
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>
    /// Writes a private key so that it is never readable by others, not even briefly: a new file is created with
    /// mode 0600 (UnixCreateMode applies at open(2) time), filled, then renamed over the old one.
    /// </summary>
    internal static void WritePrivate(string path, string text)
    {
        var temporary = path + "." + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)) + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}

/// <summary>Loads gunicorn's certfile/keyfile/ca_certs.</summary>
internal static class CertificateFiles
{
    /// <summary>Loads a PEM certificate with its key (or a PKCS#12 file), usable by SslStream on every OS.</summary>
    public static X509Certificate2 LoadPem(string certificatePath, string? keyPath)
    {
        if (IsPkcs12(certificatePath))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password: null);
        }

        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Round-trip through PKCS#12: Windows' SChannel refuses the ephemeral key CreateFromPemFile gives.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>Whether the file is PKCS#12 (by extension, as gunicorn users name them).</summary>
    public static bool IsPkcs12(string path)
    {
        var extension = Path.GetExtension(path);
        return extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>All certificates in a PEM file (chain or CA bundle).</summary>
    public static X509Certificate2Collection LoadAll(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection;
    }
}
