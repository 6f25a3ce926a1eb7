namespace Http2Features.Connection;

/// <summary>What the seam has learned about the application protocol of a connection.</summary>
internal enum SeamProtocol
{
    /// <summary>No application bytes seen yet (or the connection is still in its TLS handshake).</summary>
    Unknown = 0,

    /// <summary>HTTP/1.x: no frames to observe; only the RFC 9218 <c>priority</c> header applies.</summary>
    Http11 = 1,

    /// <summary>HTTP/2 over TLS, negotiated with ALPN <c>h2</c>.</summary>
    Http2 = 2,

    /// <summary>HTTP/2 over cleartext with prior knowledge (h2c), detected by the connection preface.</summary>
    Http2Cleartext = 3,

    /// <summary>
    /// The first bytes of a transport are not HTTP (a TLS record, a binary header): that pipe only forwards.
    /// Never the protocol of a connection, only what a transport's sniffing concluded.
    /// </summary>
    NotHttp = 4,
}
