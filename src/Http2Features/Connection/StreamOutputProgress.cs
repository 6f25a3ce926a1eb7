namespace Http2Features.Connection;

/// <summary>
/// Receives, per stream, what of Kestrel's output reached the connection's transport writer: each DATA frame
/// once it is completely written, and each RST_STREAM Kestrel sent. Calls arrive on Kestrel's output loop
/// (inside its write to the transport): implementations must be quick, must not block and must not throw.
/// </summary>
internal interface IStreamOutputListener
{
    /// <summary>A DATA frame of <paramref name="length"/> payload bytes for <paramref name="streamId"/> was written.</summary>
    void OnStreamData(int streamId, int length, bool endStream);

    /// <summary>Kestrel reset <paramref name="streamId"/> (RST_STREAM written).</summary>
    void OnStreamReset(int streamId);
}

/// <summary>
/// The seam's port for "this stream's DATA reached the transport", one per connection. A capability that
/// needs it subscribes once; until someone does, the output writer pays one volatile read per DATA frame.
/// </summary>
internal sealed class StreamOutputProgress
{
    private volatile IStreamOutputListener? _listener;

    /// <summary><see langword="true"/> once a listener subscribed.</summary>
    public bool HasListener => _listener is not null;

    /// <summary>Sets the connection's listener (one per connection; a later call replaces it).</summary>
    public void Subscribe(IStreamOutputListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _listener = listener;
    }

    internal void Data(int streamId, int length, bool endStream) => _listener?.OnStreamData(streamId, length, endStream);

    internal void Reset(int streamId) => _listener?.OnStreamReset(streamId);
}
