namespace Http2Features;

/// <summary>What became of a 103 Early Hints response: <see cref="Sent"/> (the default) or why it was not put on the wire.</summary>
public enum EarlyHintsStatus
{
    /// <summary>The 103 was handed to the transport.</summary>
    Sent = 0,

    /// <summary>Early hints are disabled in <see cref="EarlyHintsOptions.Enabled"/>.</summary>
    Disabled,

    /// <summary>The client speaks HTTP/1.0, which has no 1xx responses (RFC 9110 §15.2); no bytes were sent.</summary>
    Http10Client,

    /// <summary>The request arrived over a protocol the pack cannot inject into (HTTP/3).</summary>
    UnsupportedProtocol,

    /// <summary>
    /// The connection has no Http2Features connection middleware (<c>ListenOptions.UseHttp2Features()</c>),
    /// so there is no way to put bytes before Kestrel's response.
    /// </summary>
    NoConnectionSeam,

    /// <summary>The final response started while the hints were waiting for a safe point on the connection.</summary>
    ResponseStarted,

    /// <summary>The request was aborted (client reset the stream or the connection closed) before the hints went out.</summary>
    RequestAborted,

    /// <summary>The connection's output was completed before the hints went out.</summary>
    ConnectionClosed,

    /// <summary>
    /// The hints were not handed to the transport within <see cref="EarlyHintsOptions.WriteTimeout"/>
    /// (typically a client that stopped reading).
    /// </summary>
    Timeout,

    /// <summary>
    /// HTTP/2 only: the client lowered its HPACK header table size (SETTINGS_HEADER_TABLE_SIZE) and Kestrel has not
    /// yet sent the response headers that announce the new size, which must come first; the client could not decode a
    /// 103 before that. Nothing was sent. Calls after Kestrel's next response on the connection are not affected.
    /// </summary>
    HeaderTableSizeChangePending,
}

/// <summary>
/// The outcome of one <c>SendEarlyHintsAsync</c> call: sent, or not sent and why. Failures other than invalid input
/// are reported here, never thrown. The same shape as <see cref="TrailersResult"/>.
/// </summary>
public readonly record struct EarlyHintsResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="status">The outcome.</param>
    /// <param name="error">The exception behind a failure, if there was one.</param>
    public EarlyHintsResult(EarlyHintsStatus status, Exception? error = null)
    {
        Status = status;
        Error = error;
    }

    /// <summary>The outcome; <see cref="EarlyHintsStatus.Sent"/> (the default value) when the 103 was handed to the transport.</summary>
    public EarlyHintsStatus Status { get; }

    /// <summary>The exception behind a failure when there was one, else <see langword="null"/>.</summary>
    public Exception? Error { get; }

    /// <summary><see langword="true"/> when <see cref="Status"/> is <see cref="EarlyHintsStatus.Sent"/>.</summary>
    public bool IsSent => Status == EarlyHintsStatus.Sent;

    /// <inheritdoc />
    public override string ToString() => Error is null ? Status.ToString() : $"{Status}: {Error.Message}";
}
