namespace Http2Features.Connection;

/// <summary>
/// Everything the seam knows about one connection. Created by <see cref="SeamConnectionMiddleware"/>, set on
/// <c>ConnectionContext.Features</c> as <see cref="IConnectionSeam"/>, fed by the frame observer (input) and the
/// output writer, and passing what they see on to the capabilities that subscribed.
/// </summary>
internal sealed class ConnectionSeamState : IConnectionSeam, IHttp2FrameSink, IHttp2StreamOutputObserver, IInformationalResponseWriter, IHttp1ResponseTrailerPort
{
    private SeamDuplexPipe? _applicationPipe;
    private IHttp2InputFrameObserver[] _inputObservers = [];
    private IHttp2StreamOutputObserver[] _outputObservers = [];
    private int _protocol;

    public SeamProtocol Protocol => (SeamProtocol)Volatile.Read(ref _protocol);

    public bool IsHttp2 => Protocol is SeamProtocol.Http2 or SeamProtocol.Http2Cleartext;

    /// <summary>The client's SETTINGS frames as observed, in arrival order (the output writer matches them with Kestrel's ACKs).</summary>
    public ClientSettingsObservation ClientSettings { get; } = new();

    /// <summary>Number of priority signals the observer reported (PRIORITY, HEADERS+PRIORITY, PRIORITY_UPDATE).</summary>
    internal long PrioritySignals { get; private set; }

    /// <summary>Number of SETTINGS entries the observer reported (tests use it to prove nothing is observed twice).</summary>
    internal long SettingsEntriesObserved { get; private set; }

    /// <summary>Whether anyone subscribed to the stream output port (when nobody did, the writer skips the calls).</summary>
    internal bool HasOutputObservers => _outputObservers.Length > 0;

    internal void SetProtocol(SeamProtocol protocol) => Volatile.Write(ref _protocol, (int)protocol);

    /// <summary>The seam pipe Kestrel's HTTP layer uses: the newest one installed (see <see cref="SeamConnectionContext"/>).</summary>
    internal SeamDuplexPipe? ApplicationPipe => Volatile.Read(ref _applicationPipe);

    public IInformationalResponseWriter InformationalResponses => this;

    public IHttp1ResponseTrailerPort Http1Trailers => this;

    // Subscriptions happen before the connection's first byte (IConnectionSeamCapability.OnConnectionStarted), on one
    // thread; the arrays are only read afterwards.
    public void Subscribe(IHttp2InputFrameObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _inputObservers = [.. _inputObservers, observer];
    }

    public void Subscribe(IHttp2StreamOutputObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _outputObservers = [.. _outputObservers, observer];
    }

    /// <summary>A seam pipe was installed above the current one: it takes over, the one below only forwards.</summary>
    internal void SetApplicationPipe(SeamDuplexPipe pipe)
    {
        Volatile.Read(ref _applicationPipe)?.Layer.Supersede();
        Volatile.Write(ref _applicationPipe, pipe);
    }

    Http1ResponseTrailers? IHttp1ResponseTrailerPort.BeginResponse()
    {
        var pipe = ApplicationPipe;
        return pipe is not null && pipe.Layer.IsApplication ? pipe.Writer.BeginResponse() : null;
    }

    ValueTask<InformationalResponseResult> IInformationalResponseWriter.WriteAsync(InformationalResponse response, CancellationToken cancellationToken)
    {
        var pipe = ApplicationPipe;
        return pipe is not null && pipe.Layer.IsApplication
            ? pipe.Writer.WriteAsync(response, cancellationToken)
            : ValueTask.FromResult(new InformationalResponseResult(InformationalResponseStatus.NoSeam));
    }

    void IHttp2FrameSink.OnProtocolDetected(SeamProtocol protocol) => SetProtocol(protocol);

    void IHttp2FrameSink.OnStreamOpened(int streamId)
    {
        ApplicationPipe?.Writer.OnClientStreamOpened();
        foreach (var observer in _inputObservers)
        {
            observer.OnStreamOpened(streamId);
        }
    }

    void IHttp2FrameSink.OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream)
    {
        PrioritySignals++;
        if (opensStream)
        {
            ApplicationPipe?.Writer.OnClientStreamOpened();
        }

        foreach (var observer in _inputObservers)
        {
            observer.OnPriority(streamId, dependsOn, weight, exclusive, opensStream);
        }
    }

    void IHttp2FrameSink.OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue)
    {
        PrioritySignals++;
        foreach (var observer in _inputObservers)
        {
            observer.OnPriorityUpdate(prioritizedStreamId, fieldValue);
        }
    }

    void IHttp2FrameSink.OnStreamReset(int streamId)
    {
        // Seen before Kestrel acts on it: a 103 for this stream would only add to Kestrel's output queue.
        ApplicationPipe?.Writer.OnClientReset(streamId);
        foreach (var observer in _inputObservers)
        {
            observer.OnStreamReset(streamId);
        }
    }

    void IHttp2FrameSink.OnSetting(ushort id, uint value)
    {
        SettingsEntriesObserved++;
        ClientSettings.Observe(id, value);
    }

    void IHttp2FrameSink.OnSettingsEnd() => ClientSettings.EndFrame();

    void IHttp2StreamOutputObserver.OnStreamData(int streamId, int length, bool endStream)
    {
        foreach (var observer in _outputObservers)
        {
            observer.OnStreamData(streamId, length, endStream);
        }
    }

    void IHttp2StreamOutputObserver.OnStreamEnded(int streamId, bool reset)
    {
        foreach (var observer in _outputObservers)
        {
            observer.OnStreamEnded(streamId, reset);
        }
    }
}
