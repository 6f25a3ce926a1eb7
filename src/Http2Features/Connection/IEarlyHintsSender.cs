using Http2Features.EarlyHints;

namespace Http2Features.Connection;

/// <summary>
/// The narrow interface between the EarlyHints capability and the connection seam: the seam's output
/// writer puts it on <c>ConnectionContext.Features</c>, the capability finds it through <c>HttpContext.Features</c>.
/// Only Connection/ knows about frames and HPACK.
/// </summary>
internal interface IEarlyHintsSender
{
    /// <summary>
    /// Queues one 103 and completes when it was handed to the transport, or with the reason it was not.
    /// Never throws for connection trouble; the returned task always ends (see <see cref="EarlyHintsRequest.Timeout"/>).
    /// </summary>
    ValueTask<EarlyHintsResult> SendAsync(EarlyHintsRequest request, CancellationToken cancellationToken);
}

/// <summary>One 103 to send: already validated fields, the target stream and how to tell that the response started.</summary>
/// <param name="StreamId">HTTP/2 stream id, or 0 for HTTP/1.1.</param>
/// <param name="Fields">Validated header fields (names may be any case; HTTP/2 lower-cases them).</param>
/// <param name="HasResponseStarted">Read under the writer's lock right before the bytes are written.</param>
/// <param name="Timeout">How long to wait for a safe point and the transport.</param>
/// <param name="RequestAborted">Fires when the client reset the stream or the connection went away.</param>
/// <param name="ServerHeaderTableSize">Kestrel's <c>Limits.Http2.HeaderTableSize</c> (bounds its HPACK table).</param>
internal sealed record EarlyHintsRequest(
    int StreamId,
    IReadOnlyList<KeyValuePair<string, string>> Fields,
    Func<bool> HasResponseStarted,
    TimeSpan Timeout,
    CancellationToken RequestAborted,
    uint ServerHeaderTableSize = 4096)
{
    public bool IsHttp2 => StreamId > 0;
}
