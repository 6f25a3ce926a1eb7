using System.Net;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection.ProxyProtocol;

/// <summary>The PROXY protocol reader's log messages (event ids in <see cref="Http2FeaturesEventIds.ProxyProtocol"/>).</summary>
internal static partial class ProxyProtocolLog
{
    public const string Category = "Http2Features.ProxyProtocol";

    [LoggerMessage(EventId = Http2FeaturesEventIds.ProxyProtocol.ProxyHeaderRead, EventName = nameof(Http2FeaturesEventIds.ProxyProtocol.ProxyHeaderRead), Level = LogLevel.Debug,
        Message = "PROXY v{Version} header from {Proxy}: client {Client}, local {Local}.")]
    public static partial void HeaderRead(ILogger logger, int version, EndPoint? proxy, EndPoint? client, EndPoint? local);

    [LoggerMessage(EventId = Http2FeaturesEventIds.ProxyProtocol.ProxyHeaderRejected, EventName = nameof(Http2FeaturesEventIds.ProxyProtocol.ProxyHeaderRejected), Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} from {Proxy} closed: {Reason}.")]
    public static partial void HeaderRejected(ILogger logger, string connectionId, EndPoint? proxy, string reason);

    [LoggerMessage(EventId = Http2FeaturesEventIds.ProxyProtocol.ProxyHeaderTimedOut, EventName = nameof(Http2FeaturesEventIds.ProxyProtocol.ProxyHeaderTimedOut), Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} from {Proxy} closed: no complete PROXY header within {Timeout}.")]
    public static partial void HeaderTimedOut(ILogger logger, string connectionId, EndPoint? proxy, TimeSpan timeout);

    [LoggerMessage(EventId = Http2FeaturesEventIds.ProxyProtocol.ProxyHeaderFromUntrustedPeer, EventName = nameof(Http2FeaturesEventIds.ProxyProtocol.ProxyHeaderFromUntrustedPeer), Level = LogLevel.Warning,
        Message = "Connection {ConnectionId} from {Peer} closed: it sent a PROXY header but is not a trusted proxy (proxy_allow_ips, ProxyProtocolOptions.KnownProxies).")]
    public static partial void HeaderFromUntrustedPeer(ILogger logger, string connectionId, EndPoint? peer);

    [LoggerMessage(EventId = Http2FeaturesEventIds.ProxyProtocol.ProxyUntrustedPeerServedDirectly, EventName = nameof(Http2FeaturesEventIds.ProxyProtocol.ProxyUntrustedPeerServedDirectly), Level = LogLevel.Debug,
        Message = "Connection {ConnectionId} from {Peer} is not from a trusted proxy and sent no PROXY header: served with its own address.")]
    public static partial void UntrustedPeerServedDirectly(ILogger logger, string connectionId, EndPoint? peer);
}
