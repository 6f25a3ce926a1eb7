using System.Globalization;
using System.Net;

namespace Http2Features.Configuration;

/// <summary>gunicorn's <c>proxy_protocol</c> and <c>proxy_allow_ips</c>, for <c>UseProxyProtocol</c> on every endpoint.</summary>
/// <param name="Mode">The accepted header versions, or null when off (gunicorn's default).</param>
/// <param name="Proxies">Trusted addresses (default 127.0.0.1 and ::1, as gunicorn).</param>
/// <param name="Networks">Trusted CIDR networks.</param>
/// <param name="TrustAll"><c>proxy_allow_ips = "*"</c>.</param>
internal sealed record ProxyProtocolSettings(ProxyProtocolMode? Mode, IReadOnlyList<IPAddress> Proxies, IReadOnlyList<System.Net.IPNetwork> Networks, bool TrustAll)
{
    public static ProxyProtocolSettings Off { get; } = new(null, [IPAddress.Loopback, IPAddress.IPv6Loopback], [], false);

    /// <summary>Copies the settings onto the options <c>UseProxyProtocol</c> takes.</summary>
    public void Apply(ProxyProtocolOptions options)
    {
        options.Mode = Mode ?? ProxyProtocolMode.Auto;
        options.KnownProxies.Clear();
        foreach (var proxy in Proxies)
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in Networks)
        {
            options.KnownIPNetworks.Add(network);
        }

        options.TrustAllProxies = TrustAll;
    }
}

/// <summary>Reads <c>proxy_protocol</c> (off, v1, v2, auto; True/False as gunicorn's validator) and <c>proxy_allow_ips</c>.</summary>
internal static class ProxyProtocolBinder
{
    private const string Modes = "off, v1, v2, auto (or True/False)";

    public static ProxyProtocolSettings Bind(SettingReader r)
    {
        ProxyProtocolMode? mode = null;
        if (r.Raw("proxy_protocol") is { } raw)
        {
            var text = raw.Value switch
            {
                bool b => b ? "auto" : "off",
                string s => s.Trim().ToLowerInvariant(),
                long l => l.ToString(CultureInfo.InvariantCulture),
                _ => null,
            };
            switch (text)
            {
                case "off" or "false" or "0" or "none":
                    break;
                case "auto" or "true" or "1":
                    mode = ProxyProtocolMode.Auto;
                    break;
                case "v1":
                    mode = ProxyProtocolMode.V1;
                    break;
                case "v2":
                    mode = ProxyProtocolMode.V2;
                    break;
                default:
                    r.Fail(raw, "not a PROXY protocol mode", Modes);
                    break;
            }
        }

        if (PeerAllowList.Read(r, "proxy_allow_ips") is not { } allowed)
        {
            return ProxyProtocolSettings.Off with { Mode = mode };
        }

        return new ProxyProtocolSettings(mode, allowed.Proxies, allowed.Networks, allowed.TrustAll);
    }
}
