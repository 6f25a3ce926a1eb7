using System.Net;

namespace Http2Features;

/// <summary>
/// On <c>HttpContext.Features</c> (and the connection's features) when the connection began with a PROXY
/// protocol header. <c>HttpContext.Connection.RemoteIpAddress</c>/<c>RemotePort</c> and the local address
/// already carry the header's addresses; this feature keeps what the socket itself said.
/// </summary>
public interface IHttpProxyProtocolFeature
{
    /// <summary>The header's version: 1 (text) or 2 (binary).</summary>
    int Version { get; }

    /// <summary>
    /// <see langword="true"/> for a v2 LOCAL header (the proxy's own connection, such as a health check): the
    /// connection keeps its socket addresses.
    /// </summary>
    bool IsLocal { get; }

    /// <summary>The client's address and port from the header, or <see langword="null"/> when the header carries none (v1 UNKNOWN, v2 LOCAL, UNSPEC or UNIX).</summary>
    IPEndPoint? SourceEndPoint { get; }

    /// <summary>The address and port the client connected to (on the proxy), or <see langword="null"/> as for <see cref="SourceEndPoint"/>.</summary>
    IPEndPoint? DestinationEndPoint { get; }

    /// <summary>The socket's peer: the proxy that sent the header.</summary>
    EndPoint? ProxyEndPoint { get; }
}
