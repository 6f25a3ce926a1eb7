namespace Http2Features;

/// <summary>What became of a request to send trailers: <see cref="Sent"/> (the default) or why nothing was sent.</summary>
public enum TrailersStatus
{
    /// <summary>The trailers were handed to the server and go out at the end of the response.</summary>
    Sent = 0,

    /// <summary>
    /// This response cannot carry trailers (HTTP/1.0, an HTTP/1.1 response with Content-Length or without a body, or a server
    /// without trailers); <see cref="TrailersResult.UnsupportedReason"/> says which. Nothing was sent; the call did not throw.
    /// </summary>
    NotSupported,

    /// <summary><c>SendTrailersAsync</c> already ran for this response; the second call sent nothing.</summary>
    AlreadySent,

    /// <summary>The response had already completed (for example through <c>HttpResponse.CompleteAsync</c>); nothing was sent.</summary>
    ResponseCompleted,

    /// <summary>The client reset the stream or the connection went away; nothing was sent.</summary>
    ClientAborted,
}

/// <summary>
/// The outcome of sending trailers. Failures other than invalid input are reported here, never thrown. The same shape
/// as <see cref="EarlyHintsResult"/>.
/// </summary>
public readonly record struct TrailersResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="status">The outcome.</param>
    /// <param name="error">The server's exception when completing the response failed, if there was one.</param>
    public TrailersResult(TrailersStatus status, Exception? error = null)
    {
        Status = status;
        Error = error;
    }

    /// <summary>The outcome.</summary>
    public TrailersStatus Status { get; }

    /// <summary>The server's exception when completing the response failed (the client went away), else <see langword="null"/>.</summary>
    public Exception? Error { get; }

    /// <summary>Why the response cannot carry trailers when <see cref="Status"/> is <see cref="TrailersStatus.NotSupported"/>; else <see cref="TrailersUnsupportedReason.None"/>.</summary>
    public TrailersUnsupportedReason UnsupportedReason { get; init; }

    /// <summary><see langword="true"/> when <see cref="Status"/> is <see cref="TrailersStatus.Sent"/>.</summary>
    public bool IsSent => Status == TrailersStatus.Sent;

    /// <inheritdoc />
    public override string ToString() =>
        Error is not null ? $"{Status}: {Error.Message}"
        : UnsupportedReason != TrailersUnsupportedReason.None ? $"{Status}: {UnsupportedReason}"
        : Status.ToString();
}
