using System.Net.Security;

namespace Http2Features.Configuration;

/// <summary>
/// Evaluates gunicorn's <c>ciphers</c> (an OpenSSL cipher list such as <c>ECDHE+AESGCM:!aNULL</c>) over the TLS 1.2
/// suites .NET can use on Linux, with OpenSSL's operators (<c>!</c> delete for good, <c>-</c> remove, <c>+</c> move to the
/// end, <c>A+B</c> intersection, <c>@STRENGTH</c>). As with Python's <c>SSLContext.set_ciphers</c>, the list governs
/// TLS 1.2 only: the TLS 1.3 suites stay on unless the list names TLS 1.3 suites itself.
/// </summary>
internal static class OpenSslCipherList
{
    public const string AllowedForm =
        "an OpenSSL cipher list, for example \"ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL\" or \"ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256\"";

    [Flags]
    private enum Traits
    {
        None = 0,
        KxEcdhe = 1 << 0,
        KxDhe = 1 << 1,
        KxRsa = 1 << 2,
        AuRsa = 1 << 3,
        AuEcdsa = 1 << 4,
        Aes128 = 1 << 5,
        Aes256 = 1 << 6,
        Gcm = 1 << 7,
        Chacha = 1 << 8,
        Sha1 = 1 << 9,
        Sha256 = 1 << 10,
        Sha384 = 1 << 11,
        Aead = 1 << 12,
        Tls10 = 1 << 13, // usable before TLS 1.2 (SSLv3/TLSv1 cipher class)
        Tls13 = 1 << 14,
    }

    private sealed record Suite(string OpenSslName, TlsCipherSuite Value, Traits Traits)
    {
        public int Strength => (Traits & (Traits.Aes256 | Traits.Chacha)) != 0 ? 256 : 128;
    }

    // OpenSSL's own DEFAULT order for these suites (forward secrecy first, AEAD first, stronger first).
    private static readonly Suite[] Tls12 =
    [
        new("ECDHE-ECDSA-AES256-GCM-SHA384", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, Traits.KxEcdhe | Traits.AuEcdsa | Traits.Aes256 | Traits.Gcm | Traits.Aead | Traits.Sha384),
        new("ECDHE-RSA-AES256-GCM-SHA384", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, Traits.KxEcdhe | Traits.AuRsa | Traits.Aes256 | Traits.Gcm | Traits.Aead | Traits.Sha384),
        new("DHE-RSA-AES256-GCM-SHA384", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, Traits.KxDhe | Traits.AuRsa | Traits.Aes256 | Traits.Gcm | Traits.Aead | Traits.Sha384),
        new("ECDHE-ECDSA-CHACHA20-POLY1305", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, Traits.KxEcdhe | Traits.AuEcdsa | Traits.Chacha | Traits.Aead | Traits.Sha256),
        new("ECDHE-RSA-CHACHA20-POLY1305", TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, Traits.KxEcdhe | Traits.AuRsa | Traits.Chacha | Traits.Aead | Traits.Sha256),
        new("DHE-RSA-CHACHA20-POLY1305", TlsCipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, Traits.KxDhe | Traits.AuRsa | Traits.Chacha | Traits.Aead | Traits.Sha256),
        new("ECDHE-ECDSA-AES128-GCM-SHA256", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, Traits.KxEcdhe | Traits.AuEcdsa | Traits.Aes128 | Traits.Gcm | Traits.Aead | Traits.Sha256),
        new("ECDHE-RSA-AES128-GCM-SHA256", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, Traits.KxEcdhe | Traits.AuRsa | Traits.Aes128 | Traits.Gcm | Traits.Aead | Traits.Sha256),
        new("DHE-RSA-AES128-GCM-SHA256", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, Traits.KxDhe | Traits.AuRsa | Traits.Aes128 | Traits.Gcm | Traits.Aead | Traits.Sha256),
        new("ECDHE-ECDSA-AES256-SHA384", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, Traits.KxEcdhe | Traits.AuEcdsa | Traits.Aes256 | Traits.Sha384),
        new("ECDHE-RSA-AES256-SHA384", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, Traits.KxEcdhe | Traits.AuRsa | Traits.Aes256 | Traits.Sha384),
        new("DHE-RSA-AES256-SHA256", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA256, Traits.KxDhe | Traits.AuRsa | Traits.Aes256 | Traits.Sha256),
        new("ECDHE-ECDSA-AES128-SHA256", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, Traits.KxEcdhe | Traits.AuEcdsa | Traits.Aes128 | Traits.Sha256),
        new("ECDHE-RSA-AES128-SHA256", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, Traits.KxEcdhe | Traits.AuRsa | Traits.Aes128 | Traits.Sha256),
        new("DHE-RSA-AES128-SHA256", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, Traits.KxDhe | Traits.AuRsa | Traits.Aes128 | Traits.Sha256),
        new("ECDHE-ECDSA-AES256-SHA", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, Traits.KxEcdhe | Traits.AuEcdsa | Traits.Aes256 | Traits.Sha1 | Traits.Tls10),
        new("ECDHE-RSA-AES256-SHA", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, Traits.KxEcdhe | Traits.AuRsa | Traits.Aes256 | Traits.Sha1 | Traits.Tls10),
        new("DHE-RSA-AES256-SHA", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA, Traits.KxDhe | Traits.AuRsa | Traits.Aes256 | Traits.Sha1 | Traits.Tls10),
        new("ECDHE-ECDSA-AES128-SHA", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, Traits.KxEcdhe | Traits.AuEcdsa | Traits.Aes128 | Traits.Sha1 | Traits.Tls10),
        new("ECDHE-RSA-AES128-SHA", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, Traits.KxEcdhe | Traits.AuRsa | Traits.Aes128 | Traits.Sha1 | Traits.Tls10),
        new("DHE-RSA-AES128-SHA", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA, Traits.KxDhe | Traits.AuRsa | Traits.Aes128 | Traits.Sha1 | Traits.Tls10),
        new("AES256-GCM-SHA384", TlsCipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384, Traits.KxRsa | Traits.AuRsa | Traits.Aes256 | Traits.Gcm | Traits.Aead | Traits.Sha384),
        new("AES128-GCM-SHA256", TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256, Traits.KxRsa | Traits.AuRsa | Traits.Aes128 | Traits.Gcm | Traits.Aead | Traits.Sha256),
        new("AES256-SHA256", TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA256, Traits.KxRsa | Traits.AuRsa | Traits.Aes256 | Traits.Sha256),
        new("AES128-SHA256", TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256, Traits.KxRsa | Traits.AuRsa | Traits.Aes128 | Traits.Sha256),
        new("AES256-SHA", TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA, Traits.KxRsa | Traits.AuRsa | Traits.Aes256 | Traits.Sha1 | Traits.Tls10),
        new("AES128-SHA", TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA, Traits.KxRsa | Traits.AuRsa | Traits.Aes128 | Traits.Sha1 | Traits.Tls10),
    ];

    private static readonly Suite[] Tls13 =
    [
        new("TLS_AES_256_GCM_SHA384", TlsCipherSuite.TLS_AES_256_GCM_SHA384, Traits.Tls13 | Traits.Aes256 | Traits.Gcm | Traits.Aead | Traits.Sha384),
        new("TLS_CHACHA20_POLY1305_SHA256", TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, Traits.Tls13 | Traits.Chacha | Traits.Aead | Traits.Sha256),
        new("TLS_AES_128_GCM_SHA256", TlsCipherSuite.TLS_AES_128_GCM_SHA256, Traits.Tls13 | Traits.Aes128 | Traits.Gcm | Traits.Aead | Traits.Sha256),
    ];

    // OpenSSL keywords, one row per set of traits a suite must all have (None = every suite; null = ciphers .NET/OpenSSL 3
    // never offers, such as RC4, 3DES, NULL and EXPORT: known, and selecting nothing, as on a current OpenSSL build).
    private static readonly Dictionary<string, Traits?> Keywords = KeywordTable(
        (Traits.None, ["ALL", "DEFAULT", "HIGH"]),
        (Traits.KxEcdhe, ["kECDHE", "ECDHE", "EECDH", "kEECDH", "ECDH"]),
        (Traits.KxDhe, ["kDHE", "kEDH", "DHE", "EDH", "DH"]),
        (Traits.KxRsa, ["kRSA", "RSA"]),
        (Traits.AuRsa, ["aRSA"]),
        (Traits.AuEcdsa, ["aECDSA", "ECDSA"]),
        (Traits.Gcm, ["AESGCM"]),
        (Traits.Aes128, ["AES128"]),
        (Traits.Aes256, ["AES256"]),
        (Traits.Chacha, ["CHACHA20"]),
        (Traits.Aead, ["AEAD"]),
        (Traits.Sha1, ["SHA1", "SHA"]),
        (Traits.Sha256, ["SHA256"]),
        (Traits.Sha384, ["SHA384"]),
        (Traits.Tls10, ["TLSv1", "TLSv1.0", "SSLv3"]),
        (null,
        [
            "MEDIUM", "LOW", "EXPORT", "EXP", "COMPLEMENTOFDEFAULT", "COMPLEMENTOFALL", "eNULL", "NULL", "aNULL", "ADH", "AECDH",
            "RC4", "DES", "3DES", "MD5", "PSK", "kPSK", "SRP", "kSRP", "DSS", "aDSS", "CAMELLIA", "ARIA", "SEED", "IDEA",
            "AESCCM", "AESCCM8", "GOST", "kGOST",
        ]));

    private static Dictionary<string, Traits?> KeywordTable(params (Traits? Traits, string[] Names)[] rows)
    {
        var table = new Dictionary<string, Traits?>(StringComparer.Ordinal);
        foreach (var (traits, names) in rows)
        {
            foreach (var name in names)
            {
                table.Add(name, traits);
            }
        }

        return table;
    }

    /// <summary>Resolves a cipher list; on failure, <paramref name="problem"/> names the element that is wrong.</summary>
    public static bool TryResolve(string text, out List<TlsCipherSuite> suites, out string? problem)
    {
        suites = [];
        problem = null;
        var active = new List<Suite>();
        var deleted = new HashSet<Suite>();
        var tls13 = new List<Suite>();
        foreach (var element in text.Split([':', ',', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (element.StartsWith("@SECLEVEL=", StringComparison.Ordinal))
            {
                continue; // every suite here is above OpenSSL's security levels 0-3
            }

            if (element == "@STRENGTH")
            {
                var sorted = active.OrderByDescending(s => s.Strength).ToList();
                active.Clear();
                active.AddRange(sorted);
                continue;
            }

            var op = element[0] is '!' or '-' or '+' ? element[0] : ' ';
            var body = op == ' ' ? element : element[1..];
            if (Tls13.FirstOrDefault(s => s.OpenSslName == body) is { } one13)
            {
                // TLS 1.3 suite names (IANA) select the TLS 1.3 set, as OpenSSL's ciphersuites list would.
                if (op == ' ' && !tls13.Contains(one13))
                {
                    tls13.Add(one13);
                }

                continue;
            }

            if (!TryMatch(body, out var matched, out problem))
            {
                return false;
            }

            switch (op)
            {
                case '!':
                    deleted.UnionWith(matched);
                    active.RemoveAll(matched.Contains);
                    break;
                case '-':
                    active.RemoveAll(matched.Contains);
                    break;
                case '+':
                    var moving = active.Where(matched.Contains).ToList();
                    active.RemoveAll(matched.Contains);
                    active.AddRange(moving);
                    break;
                default:
                    active.AddRange(Tls12.Where(s => matched.Contains(s) && !active.Contains(s) && !deleted.Contains(s)));
                    break;
            }
        }

        if (active.Count == 0 && tls13.Count == 0)
        {
            problem = "selects no cipher suite .NET can use (OpenSSL would fail with \"No cipher can be selected\")";
            return false;
        }

        suites.AddRange((tls13.Count > 0 ? tls13 : Tls13.ToList()).Select(s => s.Value));
        suites.AddRange(active.Select(s => s.Value));
        return true;
    }

    private static bool TryMatch(string body, out HashSet<Suite> matched, out string? problem)
    {
        problem = null;
        matched = [];
        var exact = Tls12.FirstOrDefault(s => s.OpenSslName == body || s.Value.ToString() == body);
        if (exact is not null)
        {
            matched.Add(exact);
            return true;
        }

        IEnumerable<Suite> result = Tls12;
        foreach (var part in body.Split('+'))
        {
            if (part == "TLSv1.2")
            {
                result = result.Where(s => (s.Traits & Traits.Tls10) == 0); // the suites TLS 1.2 introduced
            }
            else if (Tls12.FirstOrDefault(s => s.OpenSslName == part) is { } named)
            {
                result = result.Where(s => s == named);
            }
            else if (Keywords.TryGetValue(part, out var traits))
            {
                result = traits is { } t ? result.Where(s => (s.Traits & t) == t) : [];
            }
            else if (part.Length == 0 || part.Length > 64)
            {
                problem = $"'{SettingText.Safe(body)}' is not a cipher list element";
                return false;
            }
            else
            {
                problem = $"'{SettingText.Safe(part)}' is neither an OpenSSL cipher keyword nor a suite name .NET can use";
                return false;
            }
        }

        matched.UnionWith(result);
        return true;
    }
}
