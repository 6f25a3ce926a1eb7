namespace Http2Features.Testing;

/// <summary>HTTP/2 SETTINGS values (RFC 9113 section 6.5.2). A null property means "not sent".</summary>
public sealed class Http2Settings
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE (0x1).</summary>
    public uint? HeaderTableSize { get; set; }
    /// <summary>SETTINGS_ENABLE_PUSH (0x2).</summary>
    public uint? EnablePush { get; set; }
    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS (0x3).</summary>
    public uint? MaxConcurrentStreams { get; set; }
    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE (0x4).</summary>
    public uint? InitialWindowSize { get; set; }
    /// <summary>SETTINGS_MAX_FRAME_SIZE (0x5).</summary>
    public uint? MaxFrameSize { get; set; }
    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE (0x6).</summary>
    public uint? MaxHeaderListSize { get; set; }
    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (0x8, RFC 8441).</summary>
    public uint? EnableConnectProtocol { get; set; }
    /// <summary>SETTINGS_NO_RFC7540_PRIORITIES (0x9, RFC 9218).</summary>
    public uint? NoRfc7540Priorities { get; set; }

    /// <summary>Any other setting identifiers and values, in the order they were received or are to be sent.</summary>
    public IList<KeyValuePair<ushort, uint>> Other { get; } = new List<KeyValuePair<ushort, uint>>();

    /// <summary>Every setting as (identifier, value) pairs in wire order.</summary>
    public IEnumerable<KeyValuePair<ushort, uint>> ToPairs()
    {
        if (HeaderTableSize is { } a) yield return new(0x1, a);
        if (EnablePush is { } b) yield return new(0x2, b);
        if (MaxConcurrentStreams is { } c) yield return new(0x3, c);
        if (InitialWindowSize is { } d) yield return new(0x4, d);
        if (MaxFrameSize is { } e) yield return new(0x5, e);
        if (MaxHeaderListSize is { } f) yield return new(0x6, f);
        if (EnableConnectProtocol is { } g) yield return new(0x8, g);
        if (NoRfc7540Priorities is { } h) yield return new(0x9, h);
        foreach (var kv in Other) yield return kv;
    }

    internal void Apply(ushort id, uint value)
    {
        switch (id)
        {
            case 0x1: HeaderTableSize = value; break;
            case 0x2: EnablePush = value; break;
            case 0x3: MaxConcurrentStreams = value; break;
            case 0x4: InitialWindowSize = value; break;
            case 0x5: MaxFrameSize = value; break;
            case 0x6: MaxHeaderListSize = value; break;
            case 0x8: EnableConnectProtocol = value; break;
            case 0x9: NoRfc7540Priorities = value; break;
            default: Other.Add(new(id, value)); break;
        }
    }

    internal Http2Settings Clone()
    {
        var copy = new Http2Settings
        {
            HeaderTableSize = HeaderTableSize,
            EnablePush = EnablePush,
            MaxConcurrentStreams = MaxConcurrentStreams,
            InitialWindowSize = InitialWindowSize,
            MaxFrameSize = MaxFrameSize,
            MaxHeaderListSize = MaxHeaderListSize,
            EnableConnectProtocol = EnableConnectProtocol,
            NoRfc7540Priorities = NoRfc7540Priorities,
        };
        foreach (var kv in Other) copy.Other.Add(kv);
        return copy;
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Join(", ", ToPairs().Select(p => Name(p.Key) + "=" + p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    internal static string Name(ushort id) => id switch
    {
        0x1 => "HEADER_TABLE_SIZE",
        0x2 => "ENABLE_PUSH",
        0x3 => "MAX_CONCURRENT_STREAMS",
        0x4 => "INITIAL_WINDOW_SIZE",
        0x5 => "MAX_FRAME_SIZE",
        0x6 => "MAX_HEADER_LIST_SIZE",
        0x8 => "ENABLE_CONNECT_PROTOCOL",
        0x9 => "NO_RFC7540_PRIORITIES",
        _ => "0x" + id.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
    };
}
