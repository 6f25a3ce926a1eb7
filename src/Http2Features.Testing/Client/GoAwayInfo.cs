namespace Http2Features.Testing;

/// <summary>A GOAWAY frame received from the server.</summary>
/// <param name="LastStreamId">The highest stream id the server says it may have processed.</param>
/// <param name="ErrorCode">Why the connection is closing.</param>
/// <param name="DebugData">Opaque debug data the server attached (often a UTF-8 message).</param>
public sealed record GoAwayInfo(int LastStreamId, Http2ErrorCode ErrorCode, byte[] DebugData)
{
    /// <summary>The debug data decoded as UTF-8.</summary>
    public string DebugText => System.Text.Encoding.UTF8.GetString(DebugData);

    /// <inheritdoc />
    public override string ToString() =>
        $"GOAWAY last-stream-id={LastStreamId} error={ErrorCode}" + (DebugData.Length > 0 ? $" debug=\"{DebugText}\"" : "");
}

/// <summary>One frame the raw client received or sent.</summary>
/// <param name="Sequence">Position of the frame in the connection's log (0-based, sent and received interleaved in the order they happened).</param>
/// <param name="Direction">Sent or received.</param>
/// <param name="Type">Frame type (may be a value not named by <see cref="Http2FrameType"/>).</param>
/// <param name="Flags">Frame flags.</param>
/// <param name="StreamId">Stream identifier (0 for connection frames).</param>
/// <param name="Length">Payload length in bytes.</param>
/// <param name="Timestamp">When it was read or written, from <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>.</param>
/// <param name="Elapsed">Time since the connection was opened.</param>
/// <param name="Detail">A short human-readable summary (status code, error code, settings...), or null.</param>
public sealed record FrameLogEntry(
    long Sequence,
    FrameDirection Direction,
    Http2FrameType Type,
    byte Flags,
    int StreamId,
    int Length,
    long Timestamp,
    TimeSpan Elapsed,
    string? Detail)
{
    /// <summary>True when the END_STREAM flag is set on a DATA or HEADERS frame.</summary>
    public bool EndStream => (Type is Http2FrameType.Data or Http2FrameType.Headers) && (Flags & Http2FrameFlags.EndStream) != 0;

    /// <inheritdoc />
    public override string ToString()
    {
        var name = Enum.IsDefined(Type) ? FrameNames.Of(Type) : $"UNKNOWN(0x{(byte)Type:x2})";
        var arrow = Direction == FrameDirection.Received ? "<-" : "->";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{arrow} {name} stream={StreamId} flags=0x{Flags:x2} len={Length}{(Detail is null ? "" : " " + Detail)} at {Elapsed.TotalMilliseconds:F1}ms");
    }
}

internal static class FrameNames
{
    public static string Of(Http2FrameType type) => type switch
    {
        Http2FrameType.Data => "DATA",
        Http2FrameType.Headers => "HEADERS",
        Http2FrameType.Priority => "PRIORITY",
        Http2FrameType.RstStream => "RST_STREAM",
        Http2FrameType.Settings => "SETTINGS",
        Http2FrameType.PushPromise => "PUSH_PROMISE",
        Http2FrameType.Ping => "PING",
        Http2FrameType.GoAway => "GOAWAY",
        Http2FrameType.WindowUpdate => "WINDOW_UPDATE",
        Http2FrameType.Continuation => "CONTINUATION",
        Http2FrameType.PriorityUpdate => "PRIORITY_UPDATE",
        _ => "UNKNOWN(0x" + ((byte)type).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + ")",
    };
}
