using Http2Features.Connection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Http2Features.Priority;

/// <summary>
/// The per-request priority object. <c>GetStreamPriority()</c> binds the one kept for Kestrel's HTTP/2 request object
/// (<see cref="StreamPriorityConnection.KeptFeature"/>) or rents one from the connection's
/// <see cref="StreamPriorityFeaturePool"/> the first time a request asks and binds it to the request; nothing is
/// parsed or looked up until the app first reads a value (then the <c>priority</c> header is parsed and the feature attaches
/// to its stream in the connection's <see cref="StreamPriorityTable"/>, which pushes frame updates into it
/// while the request runs).
/// </summary>
internal sealed class StreamPriorityFeature : IHttp2StreamPriorityFeature, IDisposable
{
    private readonly Lock _lock = new();

    // Set by Bind; read only when the app first asks (Resolve), cleared on Release.
    private HttpContext? _context;
    private StreamPriorityConnection? _seam;
    private bool _resolved;

    // Features.Revision right after GetStreamPriority() put this object there: unchanged at Dispose, nobody replaced it.
    private int _setAtRevision = -1;

    private int _headerUrgency = PriorityFieldParser.DefaultUrgency;
    private bool _headerIncremental;
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

    // The HTTP/2 stream this request reads, not yet attached in the table: the client had sent no priority signal on the
    // connection when the values were first read (the RFC defaults apply). Attached on the first read after a signal
    // arrives, or when a Changed handler is added; until then the request costs the table nothing.
    private int _unattachedStreamId;

    /// <summary>An unbound feature, for the pool: reads report the defaults until <see cref="Bind"/>.</summary>
    public StreamPriorityFeature()
    {
    }

    /// <summary>A feature kept for one of Kestrel's request objects on <paramref name="owner"/>'s connection (see <see cref="BindKept"/>).</summary>
    public StreamPriorityFeature(StreamPriorityConnection owner) => Owner = owner;

    /// <summary>The connection a kept feature belongs to; <see langword="null"/> for pooled and unpooled features.</summary>
    internal StreamPriorityConnection? Owner { get; }

    /// <summary>A feature whose header values are already known (for the table's tests).</summary>
    public StreamPriorityFeature(int headerUrgency, bool headerIncremental)
    {
        _headerUrgency = headerUrgency;
        _headerIncremental = headerIncremental;
        _resolved = true;
    }

    public event EventHandler? Changed
    {
        add
        {
            lock (_lock)
            {
                // A subscriber wants live updates: attach to the stream now.
                Resolve();
                AttachIfUnattached();
                _changed += value;
            }
        }

        remove { lock (_lock) { _changed -= value; } }
    }

    public bool HasHttp2Priority { get { lock (_lock) { Resolve(); return _hasHttp2; } } }

    public int StreamId { get { lock (_lock) { Resolve(); return _streamId; } } }

    public int? Weight { get { lock (_lock) { Resolve(); return _hasHttp2 ? _weight : null; } } }

    public int? DependsOn { get { lock (_lock) { Resolve(); return _hasHttp2 ? _dependsOn : null; } } }

    public bool? Exclusive { get { lock (_lock) { Resolve(); return _hasHttp2 ? _exclusive : null; } } }

    public int Urgency { get { lock (_lock) { Resolve(); return _fromUpdate ? _updateUrgency : _headerUrgency; } } }

    public bool Incremental { get { lock (_lock) { Resolve(); return _fromUpdate ? _updateIncremental : _headerIncremental; } } }

    public bool IsFromPriorityUpdate { get { lock (_lock) { Resolve(); return _fromUpdate; } } }

    /// <summary>Whether the header was parsed and the stream looked up (for tests).</summary>
    internal bool IsResolved { get { lock (_lock) { return _resolved; } } }

    /// <summary>
    /// Binds a kept feature to the request its Kestrel request object now serves. The request it served before has
    /// completed: its stream's entry (if the seam did not already drop it when the stream ended) goes, and its values and
    /// handlers are forgotten. A second call within the same request (the app cleared the feature from Features and
    /// asked again) keeps the binding, handlers included.
    /// </summary>
    internal void BindKept(HttpContext context)
    {
        StreamPriorityTable? table;
        int streamId;
        lock (_lock)
        {
            if (ReferenceEquals(_context, context) && !_resolved)
            {
                return; // bound to this request and not read yet
            }

            var current = context.Features.Get<IHttp2StreamIdFeature>()?.StreamId ?? 0;
            if (ReferenceEquals(_context, context) && _streamId == current && current != 0)
            {
                return; // this request's own stream: keep what it has
            }

            table = _table;
            streamId = _streamId;
            Clear();
            _context = context;
            _seam = Owner;
        }

        table?.Detach(streamId, this);
    }

    /// <summary>Records the Features revision right after this object was put on the request's Features.</summary>
    internal void SetOnFeaturesAt(int revision) => _setAtRevision = revision;

    /// <summary>Binds the feature to a request. Costs two field writes: the work waits for the first read.</summary>
    internal void Bind(HttpContext context, StreamPriorityConnection? seam)
    {
        lock (_lock)
        {
            // Code that kept the object past its last request may have touched it since: start clean.
            Clear();
            _context = context;
            _seam = seam;
        }
    }

    /// <summary>
    /// The request ended: detach from the stream (its entry goes with it) and forget everything about the
    /// request, handlers included, so the object can serve another request.
    /// </summary>
    internal void Release()
    {
        StreamPriorityTable? table;
        int streamId;
        HttpContext? unreadContext = null;
        StreamPriorityConnection? unreadSeam = null;
        lock (_lock)
        {
            table = _table;
            streamId = _streamId;
            if (!_resolved)
            {
                unreadContext = _context;
                unreadSeam = _seam;
            }

            Clear();
        }

        if (table is not null)
        {
            table.Detach(streamId, this);
        }
        else if (unreadSeam is { IsHttp2: true } && unreadSeam.Priorities.HasEntries
            && unreadContext!.Features.Get<IHttp2StreamIdFeature>() is { } id)
        {
            // Nobody read the priority, but the client sent some: the stream is closed, its entry goes.
            unreadSeam.Priorities.OnRequestEnded(id.StreamId);
        }
    }

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
    internal void ApplyHttp2(int streamId, int weight, int dependsOn, bool exclusive)
    {
        EventHandler? handlers;
        lock (_lock)
        {
            if (!IsAttachedTo(streamId))
            {
                return; // raced with the end of the request: the object may already serve another stream
            }

            _weight = weight;
            _dependsOn = dependsOn;
            _exclusive = exclusive;
            handlers = _changed;
        }

        Raise(handlers);
    }

    /// <summary>A PRIORITY_UPDATE frame arrived while the request runs.</summary>
    internal void ApplyUpdate(int streamId, int urgency, bool incremental)
    {
        EventHandler? handlers;
        lock (_lock)
        {
            if (!IsAttachedTo(streamId))
            {
                return;
            }

            _fromUpdate = true;
            _updateUrgency = urgency;
            _updateIncremental = incremental;
            handlers = _changed;
        }

        Raise(handlers);
    }

    /// <summary>
    /// The request completed (registered with <c>RegisterForDispose</c> by <c>GetStreamPriority()</c>): leave the
    /// request's Features, so code that runs later gets a fresh object rather than one another request may be using,
    /// release the stream and return to the connection's pool.
    /// </summary>
    public void Dispose()
    {
        HttpContext? context;
        StreamPriorityConnection? seam;
        int setAtRevision;
        lock (_lock)
        {
            context = _context;
            seam = _seam;
            setAtRevision = _setAtRevision;
            _setAtRevision = -1;
        }

        if (context is not null)
        {
            // No feature was set since this one: it is still there, no lookup needed.
            var features = context.Features;
            if (features.Revision == setAtRevision || ReferenceEquals(features.Get<IHttp2StreamPriorityFeature>(), this))
            {
                features.Set<IHttp2StreamPriorityFeature>(null);
            }
        }

        Release();
        seam?.PriorityFeatures.Return(this, seam.IsHttp2);
    }

    // Under _lock: back to the unbound state, values and handlers forgotten.
    private void Clear()
    {
        _context = null;
        _seam = null;
        _resolved = false;
        _table = null;
        _streamId = 0;
        _hasHttp2 = false;
        _weight = 0;
        _dependsOn = 0;
        _exclusive = false;
        _fromUpdate = false;
        _updateUrgency = 0;
        _updateIncremental = false;
        _headerUrgency = PriorityFieldParser.DefaultUrgency;
        _headerIncremental = false;
        _changed = null;
        _unattachedStreamId = 0;
    }

    private bool IsAttachedTo(int streamId) => _table is not null && _streamId == streamId;

    // Under _lock. The table's Attach calls Initialize, which re-enters _lock on this thread; the table
    // never takes a feature's lock while holding its own for any other feature, so this cannot deadlock.
    private void Resolve()
    {
        if (_resolved)
        {
            if (_unattachedStreamId != 0 && _seam!.Priorities.HasEntries)
            {
                AttachIfUnattached(); // a signal arrived since the first read: it may be for this stream
            }

            return;
        }

        _resolved = true;
        var context = _context;
        if (context is null)
        {
            return; // unbound (pooled) or released: defaults
        }

        ReadHeader(context.Request.Headers, out _headerUrgency, out _headerIncremental);
        if (_seam is { IsHttp2: true } seam && context.Features.Get<IHttp2StreamIdFeature>() is { } streamIdFeature)
        {
            if (seam.Priorities.HasEntries)
            {
                seam.Priorities.Attach(streamIdFeature.StreamId, this);
            }
            else
            {
                // What Attach would report for a stream without signals, without touching the table.
                _streamId = streamIdFeature.StreamId;
                _hasHttp2 = true;
                _weight = StreamPriorityTable.DefaultWeight;
                _unattachedStreamId = _streamId;
            }
        }
    }

    // Under _lock.
    private void AttachIfUnattached()
    {
        if (_unattachedStreamId != 0)
        {
            var streamId = _unattachedStreamId;
            _unattachedStreamId = 0;
            _seam!.Priorities.Attach(streamId, this);
        }
    }

    /// <summary>The RFC 9218 <c>priority</c> header; a value that does not parse counts as absent.</summary>
    internal static void ReadHeader(IHeaderDictionary headers, out int urgency, out bool incremental)
    {
        var values = headers["priority"];
        urgency = PriorityFieldParser.DefaultUrgency;
        incremental = false;
        if (values.Count == 0)
        {
            return;
        }

        // Several field lines form one dictionary (RFC 8941 section 3.2), joined with commas.
        var joined = values.Count == 1 ? values[0] : string.Join(", ", values.ToArray());
        _ = PriorityFieldParser.TryParse(joined, out urgency, out incremental); // invalid: defaults, set by TryParse
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
}
