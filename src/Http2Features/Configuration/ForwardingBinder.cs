using System.Net;

namespace Http2Features.Configuration;

/// <summary><c>forwarded_allow_ips</c>: trusted peers for X-Forwarded-Proto and for cleartext HTTP/2.</summary>
internal static class ForwardingBinder
{
    public static ForwardingSettings Bind(SettingReader r)
    {
        var entries = r.List("forwarded_allow_ips");
        if (entries is null)
        {
            return ForwardingSettings.Default;
        }

        var raw = r.Raw("forwarded_allow_ips")!;
        var proxies = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        var trustAll = false;
        foreach (var entry in entries)
        {
            if (entry == "*")
            {
                trustAll = true;
            }
            else if (IPAddress.TryParse(entry, out var ip) && !entry.Contains('/', StringComparison.Ordinal))
            {
                proxies.Add(ip);
            }
            else if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else
            {
                r.Add(new SettingError("forwarded_allow_ips", raw.Source, raw.DisplayValue,
                    $"'{SettingText.Safe(entry)}' is not an IP address, a CIDR network or *", "a comma-separated list such as \"127.0.0.1,10.0.0.0/8\", or *"));
            }
        }

        return new ForwardingSettings(proxies, networks, trustAll, Configured: true);
    }
}
