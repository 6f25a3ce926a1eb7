using System.Net;

namespace Http2Features.Configuration;

/// <summary>
/// A gunicorn peer allow-list (<c>forwarded_allow_ips</c>, <c>proxy_allow_ips</c>): addresses, CIDR networks or <c>*</c>.
/// </summary>
internal readonly record struct PeerAllowList(List<IPAddress> Proxies, List<System.Net.IPNetwork> Networks, bool TrustAll)
{
    /// <summary>Parses <paramref name="setting"/>'s entries; each bad entry adds one error naming it. Null when the setting is unset.</summary>
    public static PeerAllowList? Read(SettingReader r, string setting)
    {
        var entries = r.List(setting);
        if (entries is null)
        {
            return null;
        }

        var raw = r.Raw(setting)!;
        var list = new PeerAllowList([], [], false);
        foreach (var entry in entries)
        {
            if (entry == "*")
            {
                list = list with { TrustAll = true };
            }
            else if (IPAddress.TryParse(entry, out var ip) && !entry.Contains('/', StringComparison.Ordinal))
            {
                list.Proxies.Add(ip);
            }
            else if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                list.Networks.Add(network);
            }
            else
            {
                r.Add(new SettingError(setting, raw.Source, raw.DisplayValue,
                    $"'{SettingText.Safe(entry)}' is not an IP address, a CIDR network or *", "a comma-separated list such as \"127.0.0.1,10.0.0.0/8\", or *"));
            }
        }

        return list;
    }
}
