using Microsoft.AspNetCore.Http.Features;

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
internal sealed class InformationalResponse
{
    private readonly Func<bool>? _hasResponseStarted;
    private readonly IHttpResponseFeature? _response;

    /// <param name="streamId">HTTP/2 stream id, or 0 for HTTP/1.1.</param>
    /// <param name="fields">Validated header fields (names may be any case; HTTP/2 lower-cases them).</param>
    /// <param name="hasResponseStarted">Read under the writer's lock right before the bytes are written.</param>
    /// <param name="timeout">How long to wait for a safe point and the transport.</param>
    /// <param name="requestAborted">Fires when the client reset the stream or the connection went away.</param>
    public InformationalResponse(int streamId, IReadOnlyList<KeyValuePair<string, string>> fields, Func<bool> hasResponseStarted, TimeSpan timeout, CancellationToken requestAborted)
        : this(streamId, fields, timeout, requestAborted) => _hasResponseStarted = hasResponseStarted;

    /// <summary>The same, reading <see cref="IHttpResponseFeature.HasStarted"/> of the request (no delegate per request).</summary>
    public InformationalResponse(int streamId, IReadOnlyList<KeyValuePair<string, string>> fields, IHttpResponseFeature response, TimeSpan timeout, CancellationToken requestAborted)
        : this(streamId, fields, timeout, requestAborted) => _response = response;

    private InformationalResponse(int streamId, IReadOnlyList<KeyValuePair<string, string>> fields, TimeSpan timeout, CancellationToken requestAborted)
    {
        StreamId = streamId;
        Fields = fields;
        Timeout = timeout;
        RequestAborted = requestAborted;
    }

    /// <summary>HTTP/2 stream id, or 0 for HTTP/1.1.</summary>
    public int StreamId { get; }

    /// <summary>Validated header fields (names may be any case; HTTP/2 lower-cases them).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

    /// <summary>How long to wait for a safe point and the transport.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Fires when the client reset the stream or the connection went away.</summary>
    public CancellationToken RequestAborted { get; }

    public bool IsHttp2 => StreamId > 0;

    /// <summary>Whether the final response started; read under the writer's lock right before the bytes are written.</summary>
    public bool HasResponseStarted() => _response?.HasStarted ?? _hasResponseStarted!();
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
