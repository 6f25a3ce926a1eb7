namespace Http2Features.Priority;

/// <summary>
/// The per-request priority object, created only when the app asks. The connection's
/// <see cref="StreamPriorityTable"/> pushes frame updates into it while the request runs.
/// </summary>
internal sealed class StreamPriorityFeature : IHttp2StreamPriorityFeature, IDisposable
{
    private readonly Lock _lock = new();
    private readonly int _headerUrgency;
    private readonly bool _headerIncremental;

    private StreamPriorityTable? _table;
    private int _streamId;
    private bool _hasHttp2;
    private int _weight;
    private int _dependsOn;
    private bool _exclusive;
    private bool _fromUpdate;
    private int _updateUrgency;
    private bool _updateIncremental;
    private EventHandler? _changed;

    public StreamPriorityFeature(int headerUrgency, bool headerIncremental)
    {
        _headerUrgency = headerUrgency;
        _headerIncremental = headerIncremental;
    }

    public event EventHandler? Changed
    {
        add { lock (_lock) { _changed += value; } }
        remove { lock (_lock) { _changed -= value; } }
    }

    public bool HasHttp2Priority { get { lock (_lock) { return _hasHttp2; } } }

    public int StreamId { get { lock (_lock) { return _streamId; } } }

    public int? Weight { get { lock (_lock) { return _hasHttp2 ? _weight : null; } } }

    public int? DependsOn { get { lock (_lock) { return _hasHttp2 ? _dependsOn : null; } } }

    public bool? Exclusive { get { lock (_lock) { return _hasHttp2 ? _exclusive : null; } } }

    public int Urgency { get { lock (_lock) { return _fromUpdate ? _updateUrgency : _headerUrgency; } } }

    public bool Incremental { get { lock (_lock) { return _fromUpdate ? _updateIncremental : _headerIncremental; } } }

    public bool IsFromPriorityUpdate { get { lock (_lock) { return _fromUpdate; } } }

    /// <summary>Called by the table (under its lock) when the feature is attached to an HTTP/2 stream.</summary>
    internal void Initialize(StreamPriorityTable table, int streamId, int weight, int dependsOn, bool exclusive, bool fromUpdate, int urgency, bool incremental)
    {
        lock (_lock)
        {
            _table = table;
            _streamId = streamId;
            _hasHttp2 = true;
            _weight = weight;
            _dependsOn = dependsOn;
            _exclusive = exclusive;
            _fromUpdate = fromUpdate;
            _updateUrgency = urgency;
            _updateIncremental = incremental;
        }
    }

    /// <summary>A PRIORITY frame reprioritised the stream while the request runs.</summary>
    internal void ApplyHttp2(int weight, int dependsOn, bool exclusive)
    {
        EventHandler? handlers;
        lock (_lock)
        {
            _weight = weight;
            _dependsOn = dependsOn;
            _exclusive = exclusive;
            handlers = _changed;
        }

        Raise(handlers);
    }

    /// <summary>A PRIORITY_UPDATE frame arrived while the request runs.</summary>
    internal void ApplyUpdate(int urgency, bool incremental)
    {
        EventHandler? handlers;
        lock (_lock)
        {
            _fromUpdate = true;
            _updateUrgency = urgency;
            _updateIncremental = incremental;
            handlers = _changed;
        }

        Raise(handlers);
    }

    private void Raise(EventHandler? handlers)
    {
        if (handlers is null)
        {
            return;
        }

        // Never run app code on the connection's read loop (it would stall every stream) and never let
        // it throw into Kestrel.
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                try
                {
                    state.handlers(state.sender, EventArgs.Empty);
                }
#pragma warning disable CA1031 // An app handler's failure must not reach the server.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            },
            (handlers, sender: (object)this),
            preferLocal: false);
    }

    public void Dispose()
    {
        StreamPriorityTable? table;
        int streamId;
        lock (_lock)
        {
            table = _table;
            streamId = _streamId;
            _table = null;
        }

        table?.Detach(streamId, this);
    }
}
