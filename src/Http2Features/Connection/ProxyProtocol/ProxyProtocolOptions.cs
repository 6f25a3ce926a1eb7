using System.Net;

namespace Http2Features;

/// <summary>
/// How an endpoint reads the PROXY protocol header a load balancer sends before anything else (before the TLS
/// handshake). Used by <c>listenOptions.UseProxyProtocol(...)</c> and by the gunicorn binder's
/// <c>proxy_protocol</c> and <c>proxy_allow_ips</c> settings.
/// </summary>
public sealed class ProxyProtocolOptions
{
    /// <summary>The largest <see cref="MaxHeaderSize"/>: a v2 header's fixed 16 bytes and its 16-bit length.</summary>
    public const int MaxHeaderSizeLimit = 16 + ushort.MaxValue;

    /// <summary>The smallest <see cref="MaxHeaderSize"/>: room for the longest address block (AF_UNIX, 216 bytes).</summary>
    public const int MinHeaderSizeLimit = 16 + 216;

    /// <summary>Which header versions are accepted (default <see cref="ProxyProtocolMode.Auto"/>).</summary>
    public ProxyProtocolMode Mode { get; set; } = ProxyProtocolMode.Auto;

    /// <summary>
    /// Peers trusted to send a header (gunicorn's <c>proxy_allow_ips</c>; default 127.0.0.1 and ::1, as gunicorn).
    /// A trusted peer must send a valid header or its connection is closed. A connection from any other peer is
    /// served with its own address when it sends no header, and closed when it sends one.
    /// Unix-socket and other non-IP connections are always trusted (as in gunicorn).
    /// </summary>
    public IList<IPAddress> KnownProxies { get; } = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    /// <summary>Networks whose addresses are trusted like <see cref="KnownProxies"/> (CIDR entries of <c>proxy_allow_ips</c>).</summary>
    public IList<IPNetwork> KnownIPNetworks { get; } = [];

    /// <summary>Trust every peer (gunicorn's <c>proxy_allow_ips = "*"</c>): every connection must start with a header.</summary>
    public bool TrustAllProxies { get; set; }

    /// <summary>
    /// How long a connection may take to deliver its complete header (default 5 s). A peer that sends half a header
    /// and stops is closed when this elapses, before Kestrel's TLS handshake timeout even starts.
    /// </summary>
    public TimeSpan HeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The largest v2 header accepted, addresses and TLVs included (default 4096 bytes, between
    /// <see cref="MinHeaderSizeLimit"/> and <see cref="MaxHeaderSizeLimit"/>). A v1 header is at most 107 bytes by
    /// its specification.
    /// </summary>
    public int MaxHeaderSize { get; set; } = 4096;

    /// <summary>Throws when a value is out of range; called when the endpoint is configured.</summary>
    internal void Validate()
    {
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "ProxyProtocolOptions.Mode must be Auto, V1 or V2.");
        }

        if (HeaderTimeout <= TimeSpan.Zero || HeaderTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(HeaderTimeout), HeaderTimeout, "ProxyProtocolOptions.HeaderTimeout must be positive and finite: a peer that sends half a header must not hold a connection.");
        }

        if (MaxHeaderSize is < MinHeaderSizeLimit or > MaxHeaderSizeLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxHeaderSize), MaxHeaderSize, $"ProxyProtocolOptions.MaxHeaderSize must be {MinHeaderSizeLimit}..{MaxHeaderSizeLimit} bytes.");
        }
    }
}
