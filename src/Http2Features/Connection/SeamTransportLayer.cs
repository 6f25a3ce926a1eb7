namespace Http2Features.Connection;

/// <summary>
/// Where one seam pipe sits, decided by its position in the connection pipeline, not by its bytes. A
/// connection can have several seam pipes: the seam wraps the transport it finds and every transport a
/// later middleware installs (a PROXY-protocol reader, Kestrel's TLS, connection logging), and the
/// newest one, the closest to Kestrel's HTTP layer, supersedes the others. A pipe created after TLS
/// carries HTTP by position; a pipe with nothing above it carries HTTP only if its first bytes say so
/// (the h2c preface, or a method token and a space). Only the application-layer pipe observes frames or
/// writes into the output.
/// </summary>
internal sealed class SeamTransportLayer : IHttp2FrameSink
{
    private readonly ConnectionSeamState _state;
    private readonly bool _afterTls;
    private volatile bool _superseded;
    private volatile bool _sniffedHttp;

    public SeamTransportLayer(ConnectionSeamState state, bool afterTls)
    {
        _state = state;
        _afterTls = afterTls;
    }

    /// <summary>
    /// <see langword="true"/> while this pipe carries the connection's HTTP bytes: it sits after TLS, or its
    /// first bytes were HTTP; and no seam pipe was installed above it since.
    /// </summary>
    public bool IsApplication => !_superseded && (_afterTls || _sniffedHttp);

    /// <summary><see langword="true"/> once a pipe installed above this one took over.</summary>
    public bool IsSuperseded => _superseded;

    internal void Supersede() => _superseded = true;

    void IHttp2FrameSink.OnProtocolDetected(SeamProtocol protocol)
    {
        if (_superseded || protocol == SeamProtocol.NotHttp)
        {
            return;
        }

        _sniffedHttp = true;
        _state.SetProtocol(protocol);
    }

    void IHttp2FrameSink.OnStreamOpened(int streamId) => ((IHttp2FrameSink)_state).OnStreamOpened(streamId);

    void IHttp2FrameSink.OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream) =>
        ((IHttp2FrameSink)_state).OnPriority(streamId, dependsOn, weight, exclusive, opensStream);

    void IHttp2FrameSink.OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue) =>
        ((IHttp2FrameSink)_state).OnPriorityUpdate(prioritizedStreamId, fieldValue);

    void IHttp2FrameSink.OnStreamReset(int streamId) => ((IHttp2FrameSink)_state).OnStreamReset(streamId);

    void IHttp2FrameSink.OnSetting(ushort id, uint value) => ((IHttp2FrameSink)_state).OnSetting(id, value);

    void IHttp2FrameSink.OnSettingsEnd() => ((IHttp2FrameSink)_state).OnSettingsEnd();
}
