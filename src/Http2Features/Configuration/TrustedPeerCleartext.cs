using System.Net;
using Http2Features.Connection;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Http2Features.Configuration;

/// <summary>
/// gunicorn's h2c rule on a cleartext endpoint (<c>http2_cleartext = "prior-knowledge"</c>): peers in
/// <c>forwarded_allow_ips</c> (and unix-socket peers) are expected to speak HTTP/2 with prior knowledge; everyone else
/// is served HTTP/1.1 as if h2c were off. The endpoint serves Http1AndHttp2, which Kestrel treats as HTTP/1.1 without
/// ALPN; for a trusted peer this connection middleware tells Kestrel to run HTTP/2 instead. A trusted peer that sends
/// HTTP/1.1 gets Kestrel's HTTP/2 connection error (gunicorn answers 400): it was expected to speak HTTP/2.
/// </summary>
internal static class TrustedPeerCleartext
{
    public static void Use(ListenOptions listenOptions, ForwardingSettings trusted)
    {
        listenOptions.Use(next => connection =>
        {
            var peer = connection.RemoteEndPoint is IPEndPoint ip ? ip.Address : null;
            KestrelInternals.HttpProtocolsFeature.Set(connection.Features, trusted.IsTrusted(peer) ? HttpProtocols.Http2 : HttpProtocols.Http1);
            return next(connection);
        });
    }
}
