namespace Http2Features.Connection;

/// <summary>
/// The HTTP/2 frame layout (RFC 9113 section 4.1) and the frame types and flags the seam reads (input observer,
/// output tracker) or writes (the 103 encoder): one definition for all three.
/// </summary>
internal static class Http2Frame
{
    /// <summary>Length (24 bits), type, flags, stream id (31 bits).</summary>
    public const int FrameHeaderLength = 9;

    public const byte TypeData = 0x0;
    public const byte TypeHeaders = 0x1;
    public const byte TypePriority = 0x2;
    public const byte TypeRstStream = 0x3;
    public const byte TypeSettings = 0x4;
    public const byte TypeContinuation = 0x9;

    /// <summary>RFC 9218 PRIORITY_UPDATE.</summary>
    public const byte TypePriorityUpdate = 0x10;

    /// <summary>END_STREAM on DATA and HEADERS.</summary>
    public const byte FlagEndStream = 0x1;

    /// <summary>ACK on SETTINGS and PING (the same bit as END_STREAM).</summary>
    public const byte FlagAck = 0x1;

    public const byte FlagEndHeaders = 0x4;
    public const byte FlagPadded = 0x8;
    public const byte FlagPriority = 0x20;
}
