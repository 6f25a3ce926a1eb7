namespace Http2Features.Trailers;

/// <summary>Why a response cannot carry trailers.</summary>
internal enum TrailersUnsupportedReason
{
    /// <summary>It can.</summary>
    None,

    /// <summary>HTTP/1.0 has no chunked transfer coding, so no trailer section.</summary>
    Http10,

    /// <summary>HTTP/1.1 with a Content-Length: only a chunked body ends in a trailer section.</summary>
    ContentLength,

    /// <summary>HEAD, 1xx, 204, 205 or 304: no body, so no trailer section.</summary>
    NoResponseBody,

    /// <summary>HTTP/1.1 on an endpoint without the pack's connection seam (it writes the last chunk's trailers).</summary>
    NoConnectionSeam,

    /// <summary>
    /// HTTP/1.1: the trailers feature was first used after the response started, too late to follow its framing. Declare
    /// the trailers (or use any trailers call) before the body.
    /// </summary>
    UsedAfterResponseStarted,

    /// <summary>The HTTP/1.1 output did not look like Kestrel's chunked framing; nothing was injected.</summary>
    FramingMismatch,

    /// <summary>The server offers no trailers for this request (no <c>IHttpResponseTrailersFeature</c>).</summary>
    ServerWithoutTrailers,
}
