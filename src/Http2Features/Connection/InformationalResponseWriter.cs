namespace Http2Features.Connection;

/// <summary>
/// Connection/'s output port for capabilities: writes a 103 (Early Hints) response on a request's stream,
/// at a point where it cannot corrupt Kestrel's output. On <see cref="IConnectionSeam.InformationalResponses"/>.
/// Only Connection/ knows how the bytes look (HTTP/1.1 status block, HTTP/2 HEADERS and HPACK).
/// </summary>
internal interface IInformationalResponseWriter
{
    /// <summary>
    /// Queues the response and completes when its bytes were handed to the transport, or with the reason
    /// they were not. Never throws for connection trouble; always ends within <see cref="InformationalResponse.Timeout"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    ValueTask<InformationalResponseResult> WriteAsync(InformationalResponse response, CancellationToken cancellationToken);
}

/// <summary>One 103 to write.</summary>
/// <param name="StreamId">HTTP/2 stream id, or 0 for HTTP/1.1.</param>
/// <param name="Fields">Validated header fields (names may be any case; HTTP/2 lower-cases them).</param>
/// <param name="HasResponseStarted">Read under the writer's lock right before the bytes are written.</param>
/// <param name="Timeout">How long to wait for a safe point and the transport.</param>
/// <param name="RequestAborted">Fires when the client reset the stream or the connection went away.</param>
internal sealed record InformationalResponse(
    int StreamId,
    IReadOnlyList<KeyValuePair<string, string>> Fields,
    Func<bool> HasResponseStarted,
    TimeSpan Timeout,
    CancellationToken RequestAborted)
{
    public bool IsHttp2 => StreamId > 0;
}

/// <summary>What happened to one <see cref="InformationalResponse"/>.</summary>
internal enum InformationalResponseStatus
{
    /// <summary>The bytes were handed to the transport.</summary>
    Written = 0,

    /// <summary>The connection has no seam pipe that carries HTTP, so nothing can be put before Kestrel's response.</summary>
    NoSeam,

    /// <summary>The final response started first.</summary>
    ResponseStarted,

    /// <summary>The client reset the stream (or the request was aborted) first.</summary>
    StreamReset,

    /// <summary>The connection's output ended first.</summary>
    ConnectionClosed,

    /// <summary>No safe point or no room in the transport within the timeout (a client that stopped reading).</summary>
    Timeout,

    /// <summary>
    /// HTTP/2: the client lowered its HPACK table size and the server has not sent the header block that announces it
    /// yet; the client would fail to decode a 103 now. Nothing was written.
    /// </summary>
    HeaderTableSizeChangePending,
}

/// <summary>The outcome of <see cref="IInformationalResponseWriter.WriteAsync"/>.</summary>
/// <param name="Status">What happened.</param>
internal readonly record struct InformationalResponseResult(InformationalResponseStatus Status)
{
    public static InformationalResponseResult Written => default;

    public bool IsWritten => Status == InformationalResponseStatus.Written;
}
