namespace Http2Features.Priority;

/// <summary>
/// Per-connection store of the priority signals the client sent, keyed by stream id. A 4-way
/// set-associative table: O(1) lookup and insert, no allocation per stream, and a hard size limit
/// (<see cref="MaxCapacity"/>, a small multiple of the stream limit) whatever the client sends. When a set
/// is full the victim is an entry for a stream that was never opened (PRIORITY for an idle stream), else
/// the lowest stream id (the oldest, most likely closed), never one a running request is attached to.
/// Entries are removed when the client resets the stream or the request that read them ends.
/// </summary>
/// <remarks>
/// Memory follows use, not the configured stream limit: the table starts empty, and grows (doubling) only
/// while streams that were actually opened need room. Signals for streams that never open (idle-stream
/// PRIORITY floods, RFC 7540 placeholders) never grow it past <see cref="IdleCapacity"/> entries; beyond that
/// they replace each other. <see cref="Release"/> hands the memory back when the connection ends, and the
/// process-wide total is the <c>http2features.priority.table.memory</c> metric.
/// </remarks>
internal sealed class StreamPriorityTable
{
    internal const int Ways = 4;
    private const int InitialSets = 4;
    internal const int DefaultWeight = 16;

    /// <summary>The most entries signals for never-opened streams may make the table grow to (6 KiB).</summary>
    internal const int IdleCapacity = 256;

    /// <summary>Bytes per entry (for the memory metric and its tests).</summary>
    internal static int EntrySize => System.Runtime.CompilerServices.Unsafe.SizeOf<Entry>();

    [Flags]
    private enum EntryFlags : byte
    {
        None = 0,
        Used = 1,
        Http2 = 2,
        Exclusive = 4,
        Update = 8,
        Incremental = 16,
        Opened = 32,
    }

    private struct Entry
    {
        public int StreamId;
        public int DependsOn;
        public short Weight;
        public byte Urgency;
        public EntryFlags Flags;
        public StreamPriorityFeature? Listener;
    }

    private readonly Lock _gate = new();
    private readonly PriorityMetrics? _metrics;
    private Entry[]? _entries;
    private int _setMask;
    private int _count;
    private int _opened;
    private bool _released;

    /// <param name="maxConcurrentStreams">The connection's stream limit (Kestrel's MaxStreamsPerConnection).</param>
    /// <param name="metrics">Where evictions are counted (optional).</param>
    public StreamPriorityTable(int maxConcurrentStreams, PriorityMetrics? metrics = null)
    {
        _metrics = metrics;
        // Four entries per allowed stream leaves room for idle-stream signals and recently closed streams;
        // rounded to a power of two so the set index is a mask.
        var wanted = Math.Clamp((long)maxConcurrentStreams * 4, 64, 1 << 16);
        MaxCapacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)wanted);
    }

    /// <summary>The most entries the table ever holds.</summary>
    public int MaxCapacity { get; }

    /// <summary>Entries currently allocated (for tests).</summary>
    public int Capacity
    {
        get { lock (_gate) { return _entries?.Length ?? 0; } }
    }

    /// <summary>Entries in use (for tests).</summary>
    public int Count
    {
        get { lock (_gate) { return _count; } }
    }

    /// <summary>RFC 7540 priority from HEADERS (<paramref name="opensStream"/>) or PRIORITY.</summary>
    public void OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream = false)
    {
        StreamPriorityFeature? listener;
        lock (_gate)
        {
            ref var entry = ref FindOrAdd(streamId);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
            {
                return;
            }

            entry.DependsOn = dependsOn;
            entry.Weight = (short)weight;
            if (opensStream)
            {
                MarkOpened(ref entry);
            }

            entry.Flags = (entry.Flags & ~EntryFlags.Exclusive) | EntryFlags.Http2 | (exclusive ? EntryFlags.Exclusive : 0);
            listener = entry.Listener;
        }

        listener?.ApplyHttp2(streamId, weight, dependsOn, exclusive);
    }

    /// <summary>RFC 9218 priority from a PRIORITY_UPDATE frame (already parsed).</summary>
    public void OnPriorityUpdate(int streamId, int urgency, bool incremental)
    {
        StreamPriorityFeature? listener;
        lock (_gate)
        {
            ref var entry = ref FindOrAdd(streamId);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
            {
                return;
            }

            entry.Urgency = (byte)urgency;
            entry.Flags = (entry.Flags & ~EntryFlags.Incremental) | EntryFlags.Update | (incremental ? EntryFlags.Incremental : 0);
            listener = entry.Listener;
        }

        listener?.ApplyUpdate(streamId, urgency, incremental);
    }

    /// <summary>HEADERS opened the stream: its entry (if any) is now worth more than idle-stream ones.</summary>
    public void OnStreamOpened(int streamId)
    {
        if (Volatile.Read(ref _entries) is null)
        {
            return; // nothing recorded on this connection: the common case costs one read
        }

        lock (_gate)
        {
            ref var entry = ref Find(streamId);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
            {
                MarkOpened(ref entry);
            }
        }
    }

    /// <summary><see langword="true"/> once the client sent a priority signal on this connection.</summary>
    public bool HasEntries => Volatile.Read(ref _entries) is not null;

    /// <summary>
    /// Kestrel ended the stream (its last frame went out): its entry goes, also one a request's feature listens to. Such a
    /// feature keeps the values it has and gets no later updates (none can matter once the response is over); it is not
    /// touched here, so this never takes a feature's lock under the table's.
    /// </summary>
    public void OnRequestEnded(int streamId) => OnStreamReset(streamId);

    /// <summary>RST_STREAM from the client: the stream is closed (see <see cref="OnRequestEnded"/>).</summary>
    public void OnStreamReset(int streamId)
    {
        if (Volatile.Read(ref _entries) is null)
        {
            return;
        }

        lock (_gate)
        {
            ref var entry = ref Find(streamId);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
            {
                Remove(ref entry);
            }
        }
    }

    /// <summary>Binds a request's feature to its stream: copies what is known and receives later updates.</summary>
    public void Attach(int streamId, StreamPriorityFeature feature)
    {
        lock (_gate)
        {
            ref var entry = ref FindOrAdd(streamId);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
            {
                // Every way of the set is held by a running request: report defaults without live updates.
                feature.Initialize(this, streamId, DefaultWeight, 0, false, false, PriorityFieldParser.DefaultUrgency, false);
                return;
            }

            entry.Listener = feature;
            MarkOpened(ref entry);
            var http2 = (entry.Flags & EntryFlags.Http2) != 0;
            feature.Initialize(
                this,
                streamId,
                http2 ? entry.Weight : DefaultWeight,
                http2 ? entry.DependsOn : 0,
                (entry.Flags & EntryFlags.Exclusive) != 0,
                (entry.Flags & EntryFlags.Update) != 0,
                entry.Urgency,
                (entry.Flags & EntryFlags.Incremental) != 0);
        }
    }

    /// <summary>The request ended: its stream is closed, its entry goes.</summary>
    public void Detach(int streamId, StreamPriorityFeature feature)
    {
        lock (_gate)
        {
            ref var entry = ref Find(streamId);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry) && ReferenceEquals(entry.Listener, feature))
            {
                Remove(ref entry);
            }
        }
    }

    /// <summary>
    /// The connection ended: drop the entries and report the memory as freed. Later signals (none are
    /// expected) start a new table.
    /// </summary>
    public void Release()
    {
        lock (_gate)
        {
            if (_entries is { } entries)
            {
                _metrics?.TableMemory(-(long)entries.Length * EntrySize);
            }

            Volatile.Write(ref _entries, null);
            _count = 0;
            _opened = 0;
            _released = true;
        }
    }

    /// <summary>Entries for streams that were opened (for tests).</summary>
    internal int OpenedCount
    {
        get { lock (_gate) { return _opened; } }
    }

    /// <summary>Reads the recorded values for a stream (for tests and diagnostics).</summary>
    internal bool TryGet(int streamId, out int weight, out int dependsOn, out bool exclusive, out bool hasHttp2)
    {
        lock (_gate)
        {
            ref var entry = ref Find(streamId);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
            {
                (weight, dependsOn, exclusive, hasHttp2) = (DefaultWeight, 0, false, false);
                return false;
            }

            hasHttp2 = (entry.Flags & EntryFlags.Http2) != 0;
            weight = hasHttp2 ? entry.Weight : DefaultWeight;
            dependsOn = entry.DependsOn;
            exclusive = (entry.Flags & EntryFlags.Exclusive) != 0;
            return true;
        }
    }

    private ref Entry Find(int streamId)
    {
        var entries = _entries;
        if (entries is null)
        {
            return ref System.Runtime.CompilerServices.Unsafe.NullRef<Entry>();
        }

        var start = SetStart(streamId, _setMask);
        for (var i = start; i < start + Ways; i++)
        {
            if (entries[i].StreamId == streamId && entries[i].Flags != EntryFlags.None)
            {
                return ref entries[i];
            }
        }

        return ref System.Runtime.CompilerServices.Unsafe.NullRef<Entry>();
    }

    private ref Entry FindOrAdd(int streamId)
    {
        ref var found = ref Find(streamId);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref found))
        {
            return ref found;
        }

        while (true)
        {
            if (_entries is null)
            {
                if (_released)
                {
                    return ref System.Runtime.CompilerServices.Unsafe.NullRef<Entry>(); // the connection is gone
                }

                Volatile.Write(ref _entries, new Entry[InitialSets * Ways]);
                _setMask = InitialSets - 1;
                _metrics?.TableMemory((long)InitialSets * Ways * EntrySize);
            }

            var entries = _entries;
            var start = SetStart(streamId, _setMask);
            var victim = -1;
            for (var i = start; i < start + Ways; i++)
            {
                if (entries[i].Flags == EntryFlags.None)
                {
                    return ref Claim(ref entries[i], streamId);
                }

                if (entries[i].Listener is null && (victim < 0 || IsBetterVictim(entries[i], entries[victim])))
                {
                    victim = i;
                }
            }

            // Grow for opened streams (bounded by Kestrel's stream limit in real use) or when every way is a running
            // request; signals for streams that never open only get IdleCapacity and then replace each other.
            if (entries.Length < MaxCapacity && (victim < 0 || entries.Length < IdleCapacity || _opened * 4 > entries.Length))
            {
                Grow();
                continue;
            }

            if (victim < 0)
            {
                return ref System.Runtime.CompilerServices.Unsafe.NullRef<Entry>();
            }

            Remove(ref entries[victim]);
            _metrics?.Evicted();
            return ref Claim(ref entries[victim], streamId);
        }
    }

    private ref Entry Claim(ref Entry slot, int streamId)
    {
        slot = new Entry
        {
            StreamId = streamId,
            Weight = DefaultWeight,
            Urgency = PriorityFieldParser.DefaultUrgency,
            Flags = EntryFlags.Used,
        };
        _count++;
        return ref slot;
    }

    private void MarkOpened(ref Entry entry)
    {
        if ((entry.Flags & EntryFlags.Opened) == 0)
        {
            entry.Flags |= EntryFlags.Opened;
            _opened++;
        }
    }

    private void Remove(ref Entry entry)
    {
        if ((entry.Flags & EntryFlags.Opened) != 0)
        {
            _opened--;
        }

        entry = default;
        _count--;
    }

    private static bool IsBetterVictim(in Entry candidate, in Entry current)
    {
        var candidateIdle = (candidate.Flags & EntryFlags.Opened) == 0;
        var currentIdle = (current.Flags & EntryFlags.Opened) == 0;
        if (candidateIdle != currentIdle)
        {
            return candidateIdle;
        }

        return (uint)candidate.StreamId < (uint)current.StreamId;
    }

    private void Grow()
    {
        var old = _entries!;
        var sets = (old.Length / Ways) * 2;
        var entries = new Entry[sets * Ways];
        var mask = sets - 1;
        foreach (ref readonly var e in old.AsSpan())
        {
            if (e.Flags == EntryFlags.None)
            {
                continue;
            }

            // Doubling splits each old set into two new ones, so a set never overflows here.
            var start = SetStart(e.StreamId, mask);
            for (var i = start; i < start + Ways; i++)
            {
                if (entries[i].Flags == EntryFlags.None)
                {
                    entries[i] = e;
                    break;
                }
            }
        }

        _setMask = mask;
        Volatile.Write(ref _entries, entries);
        _metrics?.TableMemory((long)(entries.Length - old.Length) * EntrySize);
    }

    // Client stream ids are odd: drop the low bit so consecutive requests land in consecutive sets.
    private static int SetStart(int streamId, int mask) => ((streamId >> 1) & mask) * Ways;
}
