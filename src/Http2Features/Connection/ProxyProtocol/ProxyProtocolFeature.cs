using System.Net;

namespace Http2Features.Connection.ProxyProtocol;

/// <summary>What one connection's header said, set on the connection's features.</summary>
internal sealed class ProxyProtocolFeature(ProxyHeader header, EndPoint? proxyEndPoint) : IHttpProxyProtocolFeature
{
    public int Version => (int)header.Version;

    public bool IsLocal => header.IsLocal;

    public IPEndPoint? SourceEndPoint => header.Source;

    public IPEndPoint? DestinationEndPoint => header.Destination;

    public EndPoint? ProxyEndPoint => proxyEndPoint;
}
