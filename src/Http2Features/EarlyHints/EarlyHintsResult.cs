namespace Http2Features.EarlyHints;

/// <summary>Why a 103 Early Hints response was not put on the wire.</summary>
public enum EarlyHintsNotSentReason
{
    /// <summary>The hints were sent.</summary>
    None = 0,

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
}

/// <summary>The outcome of one <c>SendEarlyHintsAsync</c> call: sent, or not sent and why.</summary>
public sealed class EarlyHintsResult
{
    private static readonly EarlyHintsResult[] Cache = CreateCache();

    private EarlyHintsResult(EarlyHintsNotSentReason reason) => Reason = reason;

    /// <summary>The result of a 103 that was handed to the transport.</summary>
    public static EarlyHintsResult Sent { get; } = Cache[(int)EarlyHintsNotSentReason.None];

    /// <summary><see langword="true"/> when the 103 was handed to the transport.</summary>
    public bool IsSent => Reason == EarlyHintsNotSentReason.None;

    /// <summary>Why the 103 was not sent, or <see cref="EarlyHintsNotSentReason.None"/> when it was.</summary>
    public EarlyHintsNotSentReason Reason { get; }

    /// <summary>Returns the (cached) result for a hint that was not sent.</summary>
    /// <param name="reason">Why it was not sent.</param>
    /// <returns>The result.</returns>
    public static EarlyHintsResult NotSent(EarlyHintsNotSentReason reason)
    {
        if (reason == EarlyHintsNotSentReason.None || (uint)reason >= (uint)Cache.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "A not-sent result needs a reason other than None.");
        }

        return Cache[(int)reason];
    }

    /// <inheritdoc />
    public override string ToString() => IsSent ? "Sent" : "NotSent(" + Reason + ")";

    private static EarlyHintsResult[] CreateCache()
    {
        var values = Enum.GetValues<EarlyHintsNotSentReason>();
        var cache = new EarlyHintsResult[values.Length];
        foreach (var value in values)
        {
            cache[(int)value] = new EarlyHintsResult(value);
        }

        return cache;
    }
}
