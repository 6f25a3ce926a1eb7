namespace Http2Features.Configuration;

/// <summary><c>forwarded_allow_ips</c>: trusted peers for X-Forwarded-Proto and for cleartext HTTP/2.</summary>
internal static class ForwardingBinder
{
    public static ForwardingSettings Bind(SettingReader r)
    {
        return PeerAllowList.Read(r, "forwarded_allow_ips") is { } allowed
            ? new ForwardingSettings(allowed.Proxies, allowed.Networks, allowed.TrustAll, Configured: true)
            : ForwardingSettings.Default;
    }
}
