namespace Http2Features.Connection;

/// <summary>
/// Receives what <see cref="Http2FrameObserver"/> extracts from the client's frames. Calls arrive on the
/// connection's read loop, in wire order, before Kestrel sees the bytes; implementations must be quick and
/// must not throw.
/// </summary>
internal interface IHttp2FrameSink
{
    /// <summary>The observer decided what the bytes are (only in sniffing mode).</summary>
    void OnProtocolDetected(SeamProtocol protocol);

    /// <summary>A HEADERS frame without priority fields opened (or continued) a client stream.</summary>
    void OnStreamOpened(int streamId);

    /// <summary>
    /// RFC 7540 priority from a HEADERS frame with PRIORITY (<paramref name="opensStream"/> true: this also
    /// opens the stream) or a PRIORITY frame, already validated as Kestrel would.
    /// </summary>
    void OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream);

    /// <summary>An RFC 9218 PRIORITY_UPDATE frame; <paramref name="fieldValue"/> is only valid during the call.</summary>
    void OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue);

    /// <summary>The client reset a stream (RST_STREAM).</summary>
    void OnStreamReset(int streamId);

    /// <summary>One setting of a client SETTINGS frame (not an ACK), in arrival order.</summary>
    void OnSetting(ushort id, uint value);

    /// <summary>A client SETTINGS frame (not an ACK) ended; called for an empty one too, once per frame Kestrel will acknowledge.</summary>
    void OnSettingsEnd();
}
