namespace Http2Features.Connection;

/// <summary>
/// What the client announced in its SETTINGS frames, updated in arrival order as the seam reads them (just
/// before Kestrel applies them).
/// </summary>
/// <remarks>
/// The early-hints writer keeps its own model of Kestrel's HPACK table size, tied to the SETTINGS ACK it
/// sees Kestrel write (see <see cref="EarlyHintsOutputWriter"/>); this type only records what the client sent.
/// </remarks>
internal sealed class ClientSettingsObservation
{
    internal const ushort SettingsHeaderTableSize = 0x1;
    internal const ushort SettingsMaxFrameSize = 0x5;
    internal const uint DefaultHeaderTableSize = 4096;
    internal const uint DefaultMaxFrameSize = 16384;

    private uint _headerTableSize = DefaultHeaderTableSize;
    private uint _maxFrameSize = DefaultMaxFrameSize;
    private int _headerTableSizeChanges;

    /// <summary>The last SETTINGS_HEADER_TABLE_SIZE the client sent (4096 until it sends one).</summary>
    public uint HeaderTableSize => Volatile.Read(ref _headerTableSize);

    /// <summary>How many SETTINGS_HEADER_TABLE_SIZE values the client has sent.</summary>
    public int HeaderTableSizeChanges => Volatile.Read(ref _headerTableSizeChanges);

    /// <summary>The last SETTINGS_MAX_FRAME_SIZE the client sent (16384 until it sends one).</summary>
    public uint MaxFrameSize => Volatile.Read(ref _maxFrameSize);

    /// <summary>Optional hook run for every setting, in arrival order, on the read loop (keep it short).</summary>
    public Action<ushort, uint>? SettingObserved { get; set; }

    internal void Observe(ushort id, uint value)
    {
        switch (id)
        {
            case SettingsHeaderTableSize:
                Volatile.Write(ref _headerTableSize, value);
                Interlocked.Increment(ref _headerTableSizeChanges);
                break;
            case SettingsMaxFrameSize:
                Volatile.Write(ref _maxFrameSize, value);
                break;
        }

        SettingObserved?.Invoke(id, value);
    }
}
