namespace Http2Features.Connection;

/// <summary>
/// What the client announced in its SETTINGS frames, recorded by the input observer as the seam reads them
/// (before Kestrel applies them), frame by frame: the output writer takes one frame per SETTINGS ACK Kestrel
/// writes, in order (RFC 9113 section 6.5.3: ACKs follow the order of the frames they acknowledge), so two
/// SETTINGS frames in one read are never confused.
/// </summary>
internal sealed class ClientSettingsObservation
{
    internal const ushort SettingsHeaderTableSize = 0x1;
    internal const uint DefaultHeaderTableSize = 4096;

    /// <summary>
    /// Frames read but not yet acknowledged that are kept. Kestrel acknowledges each frame before it reads the next
    /// one, so only a client that floods SETTINGS faster than Kestrel writes gets here; then the queue stops
    /// recording and every later ACK is taken as unknown (the writer assumes the worst).
    /// </summary>
    internal const int MaxUnacknowledgedFrames = 64;

    private readonly Queue<ClientSettingsFrame> _unacknowledged = new();
    private uint _headerTableSize = DefaultHeaderTableSize;
    private int _headerTableSizeChanges;
    private bool _overflowed;

    // The frame being read (input loop only).
    private uint? _frameMinTableSize;
    private uint? _frameMaxTableSize;

    /// <summary>The last SETTINGS_HEADER_TABLE_SIZE the client sent (4096 until it sends one).</summary>
    public uint HeaderTableSize => Volatile.Read(ref _headerTableSize);

    /// <summary>How many SETTINGS_HEADER_TABLE_SIZE values the client has sent.</summary>
    public int HeaderTableSizeChanges => Volatile.Read(ref _headerTableSizeChanges);

    /// <summary>One setting of the SETTINGS frame being read.</summary>
    internal void Observe(ushort id, uint value)
    {
        if (id != SettingsHeaderTableSize)
        {
            return;
        }

        Volatile.Write(ref _headerTableSize, value);
        Interlocked.Increment(ref _headerTableSizeChanges);
        _frameMinTableSize = Math.Min(value, _frameMinTableSize ?? uint.MaxValue);
        _frameMaxTableSize = Math.Max(value, _frameMaxTableSize ?? 0);
    }

    /// <summary>The SETTINGS frame being read ended (an empty frame too: Kestrel acknowledges it as well).</summary>
    internal void EndFrame()
    {
        var frame = new ClientSettingsFrame(_frameMinTableSize, _frameMaxTableSize);
        _frameMinTableSize = null;
        _frameMaxTableSize = null;
        lock (_unacknowledged)
        {
            if (_overflowed || _unacknowledged.Count >= MaxUnacknowledgedFrames)
            {
                _overflowed = true;
                return;
            }

            _unacknowledged.Enqueue(frame);
        }
    }

    /// <summary>
    /// Takes the oldest frame not yet acknowledged, for the ACK Kestrel just wrote. False when it is not known (the
    /// observer stopped, or the client flooded SETTINGS).
    /// </summary>
    internal bool TryTakeAcknowledged(out ClientSettingsFrame frame)
    {
        lock (_unacknowledged)
        {
            if (!_overflowed && _unacknowledged.TryDequeue(out frame))
            {
                return true;
            }
        }

        frame = default;
        return false;
    }
}

/// <summary>The SETTINGS_HEADER_TABLE_SIZE values one client SETTINGS frame carried (null: none).</summary>
internal readonly record struct ClientSettingsFrame(uint? MinHeaderTableSize, uint? MaxHeaderTableSize);
