using Http2Features.Priority;

namespace Http2Features.Connection;

/// <summary>
/// Everything the seam knows about one connection. Created by <see cref="SeamConnectionMiddleware"/>, set on
/// <c>ConnectionContext.Features</c> as <see cref="IConnectionSeam"/>, fed by the frame observer.
/// </summary>
internal sealed class ConnectionSeamState : IConnectionSeam, IHttp2FrameSink, IInformationalResponseWriter, IHttp1ResponseTrailerPort
{
    private readonly Lock _attachedLock = new();
    private object[]? _attached;
    private SeamDuplexPipe? _applicationPipe;
    private readonly PriorityMetrics? _metrics;
    private int _protocol;

    /// <param name="maxConcurrentStreams">Kestrel's <c>Limits.Http2.MaxStreamsPerConnection</c> for the endpoint.</param>
    /// <param name="metrics">The pack's priority metrics (optional).</param>
    public ConnectionSeamState(int maxConcurrentStreams, PriorityMetrics? metrics = null)
    {
        _metrics = metrics;
        Priorities = new StreamPriorityTable(maxConcurrentStreams, metrics);
        PriorityFeatures = new StreamPriorityFeaturePool(maxConcurrentStreams);
        ClientSettings = new ClientSettingsObservation();
    }

    public SeamProtocol Protocol => (SeamProtocol)Volatile.Read(ref _protocol);

    public bool IsHttp2 => Protocol is SeamProtocol.Http2 or SeamProtocol.Http2Cleartext;

    public StreamPriorityTable Priorities { get; }

    public StreamPriorityFeaturePool PriorityFeatures { get; }

    public ClientSettingsObservation ClientSettings { get; }

    public StreamOutputProgress OutputProgress { get; } = new();

    /// <summary>Number of priority signals the observer reported (PRIORITY, HEADERS+PRIORITY, PRIORITY_UPDATE).</summary>
    internal long PrioritySignals { get; private set; }

    /// <summary>Number of SETTINGS entries the observer reported (tests use it to prove nothing is observed twice).</summary>
    internal long SettingsEntriesObserved { get; private set; }

    internal void SetProtocol(SeamProtocol protocol) => Volatile.Write(ref _protocol, (int)protocol);

    /// <summary>The seam pipe Kestrel's HTTP layer uses: the newest one installed (see <see cref="SeamConnectionContext"/>).</summary>
    internal SeamDuplexPipe? ApplicationPipe => Volatile.Read(ref _applicationPipe);

    public IInformationalResponseWriter InformationalResponses => this;

    public IHttp1ResponseTrailerPort Http1Trailers => this;

    /// <summary>A seam pipe was installed above the current one: it takes over, the one below only forwards.</summary>
    internal void SetApplicationPipe(SeamDuplexPipe pipe)
    {
        Volatile.Read(ref _applicationPipe)?.Layer.Supersede();
        Volatile.Write(ref _applicationPipe, pipe);
    }

    public T GetOrAttach<T>(Func<IConnectionSeam, T> factory)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (_attachedLock)
        {
            if (Get<T>() is { } existing)
            {
                return existing;
            }

            var created = factory(this);
            Volatile.Write(ref _attached, [.. _attached ?? [], created]);
            return created;
        }
    }

    public T? Get<T>()
        where T : class
    {
        foreach (var item in Volatile.Read(ref _attached) ?? [])
        {
            if (item is T match)
            {
                return match;
            }
        }

        return null;
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

    void IHttp2FrameSink.OnStreamOpened(int streamId) => Priorities.OnStreamOpened(streamId);

    void IHttp2FrameSink.OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream)
    {
        PrioritySignals++;
        _metrics?.Signal(opensStream ? "headers" : "priority");
        Priorities.OnPriority(streamId, dependsOn, weight, exclusive, opensStream);
    }

    void IHttp2FrameSink.OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue)
    {
        PrioritySignals++;
        _metrics?.Signal("priority_update");

        // RFC 9218 section 7.1: a value that does not parse is ignored (the previous signal stands).
        if (PriorityFieldParser.TryParse(fieldValue, out var urgency, out var incremental))
        {
            Priorities.OnPriorityUpdate(prioritizedStreamId, urgency, incremental);
        }
    }

    void IHttp2FrameSink.OnStreamReset(int streamId)
    {
        Priorities.OnStreamReset(streamId);

        // Seen before Kestrel acts on it: a 103 for this stream would only add to Kestrel's output queue.
        ApplicationPipe?.Writer.OnClientReset(streamId);
    }

    /// <summary>
    /// Kestrel ended a stream (its END_STREAM or RST_STREAM left through the seam). The priority entry of a request
    /// that never asked for its priority goes here: nothing runs per request for such a request, so the seam is the
    /// one that sees its end. Costs one read on a connection whose client sent no priority signal.
    /// </summary>
    internal void OnServerStreamEnded(int streamId) => Priorities.OnRequestEnded(streamId);

    void IHttp2FrameSink.OnSetting(ushort id, uint value)
    {
        SettingsEntriesObserved++;
        ClientSettings.Observe(id, value);
    }

    void IHttp2FrameSink.OnSettingsEnd() => ClientSettings.EndFrame();
}
