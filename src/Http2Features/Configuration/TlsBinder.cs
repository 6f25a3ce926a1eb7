using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>TLS: certfile/keyfile (or the development pair of the embedded default), cert_reqs, ca_certs, ciphers.</summary>
internal static class TlsBinder
{
    /// <summary>The settings that only mean something on a TLS endpoint.</summary>
    private static readonly string[] TlsOnly = ["certfile", "keyfile", "ciphers", "cert_reqs", "ca_certs"];

    /// <summary>Reads the TLS settings.</summary>
    /// <param name="r">The settings.</param>
    /// <param name="input">Content root (relative paths) and environment (self-signed warnings).</param>
    /// <param name="listen">Where the binder listens: the embedded default uses the development certificate; the app's
    /// own https endpoints use TLS with Kestrel's certificate unless certfile is given.</param>
    /// <param name="requested">Whether the endpoints are meant to use TLS (certfile given, even if it failed to load):
    /// the protocol rules follow this, so a broken certificate is one error, not two.</param>
    public static TlsSettings Bind(SettingReader r, GunicornLoadInput input, ListenSettings listen, out bool requested)
    {
        var certificate = Certificate(r, input, listen.UsesEmbeddedDefault, out var chain);
        requested = certificate is not null || r.Raw("certfile") is not null || listen.AppEndpoints is { HasHttps: true };
        var (mode, authorities) = ClientCertificates(r, input.ContentRoot, requested);
        var suites = Ciphers(r, requested);
        if (listen.AppEndpoints is { HasHttps: false } own && TlsOnly.Where(n => r.Raw(n) is not null).ToList() is { Count: > 0 } given)
        {
            // TLS settings with only http:// endpoints of the app's own would do nothing: say so, and how to fix it.
            var settings = string.Join(", ", given);
            var source = r.Raw(given[0])!.Source.Description;
            var endpoints = SettingText.Safe(own.Description);
            r.Report(l => GunicornLog.TlsSettingsWithoutHttps(l, settings, source, endpoints));
        }

        return new TlsSettings(certificate, chain, mode, authorities, suites);
    }

    private static X509Certificate2? Certificate(SettingReader r, GunicornLoadInput input, bool embeddedDefault, out X509Certificate2Collection? chain)
    {
        var contentRoot = input.ContentRoot;
        chain = null;
        var certRaw = r.Raw("certfile");
        var keyRaw = r.Raw("keyfile");
        if (keyRaw is not null && certRaw is null)
        {
            r.Fail(keyRaw, "keyfile needs certfile as well", "set certfile to the certificate (PEM) that matches this key");
            return null;
        }

        if (certRaw is null)
        {
            return embeddedDefault ? DevelopmentPair(r, input) : null;
        }

        var certFull = r.Path("certfile", contentRoot);
        var keyFull = keyRaw is null ? null : r.Path("keyfile", contentRoot);
        if (certFull is null || (keyRaw is not null && keyFull is null))
        {
            return null;
        }

        var isDevPair = keyFull is not null
            && PathsEqual(certFull, DevelopmentCertificate.CertificatePath(contentRoot))
            && PathsEqual(keyFull, DevelopmentCertificate.KeyPath(contentRoot));
        if (isDevPair && !File.Exists(certFull) && !File.Exists(keyFull))
        {
            // The paths of the generated development pair: create it, as the embedded default would.
            return DevelopmentPair(r, input);
        }

        if (!File.Exists(certFull))
        {
            r.Fail(certRaw, "file not found: " + SettingText.Safe(certFull));
            return null;
        }

        if (keyFull is not null && !File.Exists(keyFull))
        {
            r.Fail(keyRaw!, "file not found: " + SettingText.Safe(keyFull));
            return null;
        }

        try
        {
            var certificate = CertificateFiles.LoadPem(certFull, keyFull);
            if (!certificate.HasPrivateKey)
            {
                r.Fail(certRaw, SettingText.Safe(certFull) + " has no private key", "set keyfile to the matching key");
                certificate.Dispose();
                return null;
            }

            if (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) && !input.IsDevelopment)
            {
                var source = certRaw.Source.Description;
                var subject = SettingText.Safe(certificate.Subject);
                var environment = SettingText.Safe(input.EnvironmentName);
                r.Report(l => GunicornLog.SelfSignedCertificate(l, source, subject, environment));
            }

            if (!CertificateFiles.IsPkcs12(certFull))
            {
                var all = CertificateFiles.LoadAll(certFull);
                if (all.Count > 1)
                {
                    chain = new X509Certificate2Collection(all.Skip(1).ToArray());
                }
            }

            return certificate;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            r.Fail(certRaw, "cannot load the certificate " + SettingText.Safe(certFull)
                + (keyFull is null ? string.Empty : " with key " + SettingText.Safe(keyFull)) + ": " + SettingText.Safe(ex.Message.TrimEnd('.')),
                "a PEM certificate and PEM private key, or a .pfx without password");
            return null;
        }
    }

    private static X509Certificate2? DevelopmentPair(SettingReader r, GunicornLoadInput input)
    {
        var certPath = DevelopmentCertificate.CertificatePath(input.ContentRoot);
        var keyPath = DevelopmentCertificate.KeyPath(input.ContentRoot);
        try
        {
            var (certificate, created) = DevelopmentCertificate.LoadOrCreate(certPath, keyPath);
            var level = input.IsDevelopment ? LogLevel.Information : LogLevel.Warning;
            var (environment, certShown, keyShown) = (SettingText.Safe(input.EnvironmentName), SettingText.Safe(certPath), SettingText.Safe(keyPath));
            if (created)
            {
                r.Report(l => GunicornLog.DevelopmentCertificateCreated(l, level, certShown, keyShown, environment));
            }
            else
            {
                var expires = certificate.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                r.Report(l => GunicornLog.DevelopmentCertificateReused(l, level, certShown, expires, environment));
            }

            return certificate;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            r.Add(new SettingError("certfile", SettingSource.Default, null,
                $"cannot create the development certificate at {SettingText.Safe(certPath)}: {SettingText.Safe(ex.Message)}", "set certfile and keyfile"));
            return null;
        }
    }

    private static (ClientCertificateMode Mode, X509Certificate2Collection? Authorities) ClientCertificates(SettingReader r, string contentRoot, bool tls)
    {
        var mode = ClientCertificateMode.NoCertificate;
        var reqsRaw = r.Raw("cert_reqs");
        if (r.String("cert_reqs") is { } reqs)
        {
            switch (reqs.ToUpperInvariant().Replace("SSL.", string.Empty, StringComparison.Ordinal))
            {
                case "0" or "CERT_NONE" or "NONE":
                    break;
                case "1" or "CERT_OPTIONAL" or "OPTIONAL":
                    mode = ClientCertificateMode.AllowCertificate;
                    break;
                case "2" or "CERT_REQUIRED" or "REQUIRED":
                    mode = ClientCertificateMode.RequireCertificate;
                    break;
                default:
                    r.Fail(reqsRaw!, "unknown value", "0 (CERT_NONE), 1 (CERT_OPTIONAL) or 2 (CERT_REQUIRED)");
                    break;
            }

            if (mode != ClientCertificateMode.NoCertificate && !tls)
            {
                r.Fail(reqsRaw!, "client certificates need TLS", "set certfile and keyfile");
            }
        }

        X509Certificate2Collection? authorities = null;
        var caRaw = r.Raw("ca_certs");
        if (r.Path("ca_certs", contentRoot) is { } caFull)
        {
            if (!File.Exists(caFull))
            {
                r.Fail(caRaw!, "file not found: " + SettingText.Safe(caFull));
            }
            else
            {
                try
                {
                    authorities = CertificateFiles.LoadAll(caFull);
                    if (authorities.Count == 0)
                    {
                        r.Fail(caRaw!, SettingText.Safe(caFull) + " holds no PEM certificate", "a PEM bundle of CA certificates");
                    }
                }
                catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    r.Fail(caRaw!, "cannot read " + SettingText.Safe(caFull) + ": " + SettingText.Safe(ex.Message), "a PEM bundle of CA certificates");
                }
            }

            if (mode == ClientCertificateMode.NoCertificate && !r.Failed("cert_reqs") && !r.Failed("ca_certs"))
            {
                var source = caRaw!.Source.Description;
                r.Report(l => GunicornLog.CaCertsWithoutClientCertificates(l, source));
            }
        }

        return (mode, authorities);
    }

    private static List<TlsCipherSuite>? Ciphers(SettingReader r, bool tls)
    {
        var raw = r.Raw("ciphers");
        if (r.String("ciphers") is not { } text)
        {
            return null;
        }

        if (!OpenSslCipherList.TryResolve(text, out var suites, out var problem))
        {
            r.Fail(raw!, problem!, OpenSslCipherList.AllowedForm);
            return null;
        }

        if (!tls)
        {
            var source = raw!.Source.Description;
            r.Report(l => GunicornLog.CiphersWithoutTls(l, source));
            return suites; // checked and kept, but no endpoint uses TLS
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            var source = raw!.Source.Description;
            r.Report(l => GunicornLog.CiphersUnsupportedOnOs(l, source));
            return null;
        }

        return suites;
    }

    internal static bool PathsEqual(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
