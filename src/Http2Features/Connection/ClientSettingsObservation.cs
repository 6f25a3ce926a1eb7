namespace Http2Features.Connection;

/// <summary>
/// What the client announced in its SETTINGS frames, updated in arrival order as the seam reads them (just
/// before Kestrel applies them), plus a model of Kestrel's HPACK encoder table size so the output side can
/// keep injected header blocks consistent with Kestrel's.
/// </summary>
/// <remarks>
/// Kestrel, after each client SETTINGS frame, calls its encoder's
/// <c>UpdateMaxHeaderTableSize(min(client SETTINGS_HEADER_TABLE_SIZE, Limits.Http2.HeaderTableSize))</c>;
/// when that value differs from the encoder's current one (4096 at start) the encoder's next header block
/// begins with a dynamic table size update (HPACK prefix <c>001xxxxx</c>).
/// <see cref="EffectiveHeaderTableSize"/> and <see cref="TableSizeUpdatePending"/> model exactly that.
/// The output side clears the flag with <see cref="TryTakeTableSizeUpdate"/> when it sees Kestrel's block
/// carrying the update go out; a block it injects before then must start with the same update
/// (<see cref="EffectiveHeaderTableSize"/>). Pinned by the seam tests; Kestrel internals, not contracts.
/// </remarks>
internal sealed class ClientSettingsObservation
{
    internal const ushort SettingsHeaderTableSize = 0x1;
    internal const ushort SettingsMaxFrameSize = 0x5;
    internal const uint DefaultHeaderTableSize = 4096;
    internal const uint DefaultMaxFrameSize = 16384;

    private readonly uint _serverHeaderTableSize;
    private uint _headerTableSize = DefaultHeaderTableSize;
    private uint _effectiveHeaderTableSize = DefaultHeaderTableSize;
    private uint _maxFrameSize = DefaultMaxFrameSize;
    private int _headerTableSizeChanges;
    private int _tableSizeUpdatePending;

    /// <param name="serverHeaderTableSize">Kestrel's <c>Limits.Http2.HeaderTableSize</c>.</param>
    public ClientSettingsObservation(uint serverHeaderTableSize = DefaultHeaderTableSize)
    {
        _serverHeaderTableSize = serverHeaderTableSize;
    }

    /// <summary>The last SETTINGS_HEADER_TABLE_SIZE the client sent (4096 until it sends one).</summary>
    public uint HeaderTableSize => Volatile.Read(ref _headerTableSize);

    /// <summary>How many SETTINGS_HEADER_TABLE_SIZE values the client has sent.</summary>
    public int HeaderTableSizeChanges => Volatile.Read(ref _headerTableSizeChanges);

    /// <summary>The maximum dynamic table size Kestrel's HPACK encoder uses once it applied the client's SETTINGS.</summary>
    public uint EffectiveHeaderTableSize => Volatile.Read(ref _effectiveHeaderTableSize);

    /// <summary>The last SETTINGS_MAX_FRAME_SIZE the client sent (16384 until it sends one).</summary>
    public uint MaxFrameSize => Volatile.Read(ref _maxFrameSize);

    /// <summary>
    /// <see langword="true"/> when Kestrel's encoder owes a dynamic table size update at the start of its
    /// next header block (its effective size changed), until <see cref="TryTakeTableSizeUpdate"/>.
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
                break;
            case SettingsMaxFrameSize:
                Volatile.Write(ref _maxFrameSize, value);
                break;
        }

        SettingObserved?.Invoke(id, value);
    }

    /// <summary>Kestrel applies the table size once per SETTINGS frame, with the last value the frame carried.</summary>
    internal void OnFrameEnd()
    {
        var effective = Math.Min(HeaderTableSize, _serverHeaderTableSize);
        if (effective != _effectiveHeaderTableSize)
        {
            Volatile.Write(ref _effectiveHeaderTableSize, effective);
            Volatile.Write(ref _tableSizeUpdatePending, 1);
        }
    }
}
