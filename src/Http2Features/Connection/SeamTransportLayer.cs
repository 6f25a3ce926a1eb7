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
/// <remarks>
/// A pipe below Kestrel's TLS is superseded when TLS installs its transport, which it does after its handshake and
/// before the HTTP layer reads. So a read of this pipe after the handshake finished, while nothing superseded it,
/// comes from an HTTP layer the seam never sees: a middleware between the seam and TLS handed TLS a connection
/// context of its own. That is reported once (the endpoint's warning names the fix), and only watched for until
/// decided, so connections pay one flag test per read of ciphertext.
/// </remarks>
internal sealed class SeamTransportLayer : IHttp2FrameSink
{
    private readonly ConnectionSeamState _state;
    private readonly bool _afterTls;
    private readonly ITlsAboveProbe? _tlsAbove;
    private volatile bool _superseded;
    private volatile bool _sniffedHttp;
    private bool _watchingTlsAbove;

    public SeamTransportLayer(ConnectionSeamState state, bool afterTls, ITlsAboveProbe? tlsAbove = null)
    {
        _state = state;
        _afterTls = afterTls;
        _tlsAbove = tlsAbove;
    }

    /// <summary>
    /// <see langword="true"/> while this pipe carries the connection's HTTP bytes: it sits after TLS, or its
    /// first bytes were HTTP; and no seam pipe was installed above it since.
    /// </summary>
    public bool IsApplication => !_superseded && (_afterTls || _sniffedHttp);

    /// <summary><see langword="true"/> once a pipe installed above this one took over.</summary>
    public bool IsSuperseded => _superseded;

    internal void Supersede() => _superseded = true;

    /// <summary>A read of this pipe after its first bytes said it carries no HTTP (Kestrel's TLS reading ciphertext, say).</summary>
    internal void OnOpaqueRead()
    {
        // The pipe's reads come one at a time (one PipeReader), so the flag needs no lock.
        if (!_watchingTlsAbove)
        {
            return;
        }

        if (_superseded)
        {
            _watchingTlsAbove = false;
            return;
        }

        switch (_tlsAbove!.IsTlsEstablished)
        {
            case null:
                // No Kestrel TLS above (it sets its features before it reads the first byte): nothing to watch.
                _watchingTlsAbove = false;
                break;
            case true:
                _watchingTlsAbove = false;
                _tlsAbove.OnTransportHidden();
                break;
        }
    }

    void IHttp2FrameSink.OnProtocolDetected(SeamProtocol protocol)
    {
        if (_superseded)
        {
            return;
        }

        if (protocol == SeamProtocol.NotHttp)
        {
            _watchingTlsAbove = !_afterTls && _tlsAbove is not null;
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

/// <summary>What a seam pipe below a transport a later middleware may install can learn of Kestrel's TLS above it.</summary>
internal interface ITlsAboveProbe
{
    /// <summary>Null: no Kestrel TLS on this connection; false: its handshake is under way; true: it finished.</summary>
    bool? IsTlsEstablished { get; }

    /// <summary>TLS finished, and the HTTP layer reads through a transport the seam never saw.</summary>
    void OnTransportHidden();
}
