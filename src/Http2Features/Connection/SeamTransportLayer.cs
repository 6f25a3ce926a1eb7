namespace Http2Features.Connection;

/// <summary>
/// Where one seam pipe sits. On an automatically installed TLS endpoint the seam first wraps the socket
/// (ciphertext: it sees a TLS record and stands aside) and then the TLS pipe (plaintext: the application
/// layer). Only an application-layer pipe observes frames or may write into the output.
/// </summary>
internal sealed class SeamTransportLayer : IHttp2FrameSink
{
    private readonly ConnectionSeamState _state;
    private volatile bool _isApplication;
    private volatile bool _superseded;

    public SeamTransportLayer(ConnectionSeamState state, bool isApplication)
    {
        _state = state;
        _isApplication = isApplication;
    }

    /// <summary>
    /// <see langword="true"/> while this pipe carries the connection's HTTP bytes: decided by ALPN, or by the
    /// first bytes on a cleartext transport, and false again once another seam pipe took over.
    /// </summary>
    public bool IsApplication => _isApplication && !_superseded;

    /// <summary><see langword="true"/> once a pipe installed above this one took over.</summary>
    public bool IsSuperseded => _superseded;

    internal void Supersede() => _superseded = true;

    void IHttp2FrameSink.OnProtocolDetected(SeamProtocol protocol)
    {
        if (_superseded)
        {
            return;
        }

        _isApplication = true;
        _state.SetProtocol(protocol);
    }

    void IHttp2FrameSink.OnStreamOpened(int streamId) => ((IHttp2FrameSink)_state).OnStreamOpened(streamId);

    void IHttp2FrameSink.OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream) =>
        ((IHttp2FrameSink)_state).OnPriority(streamId, dependsOn, weight, exclusive, opensStream);

    void IHttp2FrameSink.OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue) =>
        ((IHttp2FrameSink)_state).OnPriorityUpdate(prioritizedStreamId, fieldValue);

    void IHttp2FrameSink.OnStreamReset(int streamId) => ((IHttp2FrameSink)_state).OnStreamReset(streamId);

    void IHttp2FrameSink.OnSetting(ushort id, uint value) => ((IHttp2FrameSink)_state).OnSetting(id, value);

}
