namespace Http2Features.Connection;

/// <summary>
/// What the client announced in its SETTINGS frames, updated in arrival order as the seam reads them (before
/// Kestrel applies them). The output side uses it to keep injected header blocks consistent with Kestrel's
/// HPACK encoder: when the client changes SETTINGS_HEADER_TABLE_SIZE, Kestrel's next header block starts
/// with a dynamic table size update.
/// </summary>
internal sealed class ClientSettingsObservation
{
    internal const ushort SettingsHeaderTableSize = 0x1;
    internal const ushort SettingsMaxFrameSize = 0x5;
    internal const uint DefaultHeaderTableSize = 4096;
    internal const uint DefaultMaxFrameSize = 16384;

    private uint _headerTableSize = DefaultHeaderTableSize;
    private uint _maxFrameSize = DefaultMaxFrameSize;
    private int _headerTableSizeChanges;
    private int _tableSizeUpdatePending;

    /// <summary>The last SETTINGS_HEADER_TABLE_SIZE the client sent (4096 until it sends one).</summary>
    public uint HeaderTableSize => Volatile.Read(ref _headerTableSize);

    /// <summary>How many SETTINGS_HEADER_TABLE_SIZE values the client has sent.</summary>
    public int HeaderTableSizeChanges => Volatile.Read(ref _headerTableSizeChanges);

    /// <summary>The last SETTINGS_MAX_FRAME_SIZE the client sent (16384 until it sends one).</summary>
    public uint MaxFrameSize => Volatile.Read(ref _maxFrameSize);

    /// <summary>
    /// <see langword="true"/> after the client sent a SETTINGS_HEADER_TABLE_SIZE and until the output side
    /// reports (<see cref="TryTakeTableSizeUpdate"/>) that the next header block carried the update.
    /// </summary>
    public bool TableSizeUpdatePending => Volatile.Read(ref _tableSizeUpdatePending) != 0;

    /// <summary>Optional hook run for every setting, in arrival order, on the read loop (keep it short).</summary>
    public Action<ushort, uint>? SettingObserved { get; set; }

    /// <summary>Clears the pending flag; <see langword="true"/> if it was set.</summary>
    public bool TryTakeTableSizeUpdate() => Interlocked.Exchange(ref _tableSizeUpdatePending, 0) != 0;

    internal void Observe(ushort id, uint value)
    {
        switch (id)
        {
            case SettingsHeaderTableSize:
                Volatile.Write(ref _headerTableSize, value);
                Interlocked.Increment(ref _headerTableSizeChanges);
                Volatile.Write(ref _tableSizeUpdatePending, 1);
                break;
            case SettingsMaxFrameSize:
                Volatile.Write(ref _maxFrameSize, value);
                break;
        }

        SettingObserved?.Invoke(id, value);
    }
}
