namespace Http2Features.Testing;

/// <summary>HTTP/2 error codes (RFC 9113 section 7) carried by RST_STREAM and GOAWAY.</summary>
public enum Http2ErrorCode : uint
{
    /// <summary>Graceful shutdown or no error.</summary>
    NoError = 0x0,
    /// <summary>Unspecific protocol error.</summary>
    ProtocolError = 0x1,
    /// <summary>Unexpected internal error.</summary>
    InternalError = 0x2,
    /// <summary>Flow-control protocol violated.</summary>
    FlowControlError = 0x3,
    /// <summary>SETTINGS not acknowledged in time.</summary>
    SettingsTimeout = 0x4,
    /// <summary>Frame received for a half-closed stream.</summary>
    StreamClosed = 0x5,
    /// <summary>Frame size incorrect.</summary>
    FrameSizeError = 0x6,
    /// <summary>Stream not processed.</summary>
    RefusedStream = 0x7,
    /// <summary>Stream cancelled.</summary>
    Cancel = 0x8,
    /// <summary>Compression state not updated.</summary>
    CompressionError = 0x9,
    /// <summary>TCP connection error for CONNECT.</summary>
    ConnectError = 0xa,
    /// <summary>Processing capacity exceeded.</summary>
    EnhanceYourCalm = 0xb,
    /// <summary>Negotiated TLS parameters not acceptable.</summary>
    InadequateSecurity = 0xc,
    /// <summary>Use HTTP/1.1 for the request.</summary>
    Http11Required = 0xd,
}

/// <summary>HTTP/2 frame types (RFC 9113 section 6, plus PRIORITY_UPDATE from RFC 9218).</summary>
public enum Http2FrameType : byte
{
    /// <summary>DATA (0x0).</summary>
    Data = 0x0,
    /// <summary>HEADERS (0x1).</summary>
    Headers = 0x1,
    /// <summary>PRIORITY (0x2), deprecated by RFC 9113 but still parsed by servers.</summary>
    Priority = 0x2,
    /// <summary>RST_STREAM (0x3).</summary>
    RstStream = 0x3,
    /// <summary>SETTINGS (0x4).</summary>
    Settings = 0x4,
    /// <summary>PUSH_PROMISE (0x5).</summary>
    PushPromise = 0x5,
    /// <summary>PING (0x6).</summary>
    Ping = 0x6,
    /// <summary>GOAWAY (0x7).</summary>
    GoAway = 0x7,
    /// <summary>WINDOW_UPDATE (0x8).</summary>
    WindowUpdate = 0x8,
    /// <summary>CONTINUATION (0x9).</summary>
    Continuation = 0x9,
    /// <summary>PRIORITY_UPDATE (0x10, RFC 9218).</summary>
    PriorityUpdate = 0x10,
}

/// <summary>HTTP/2 frame flag bits.</summary>
public static class Http2FrameFlags
{
    /// <summary>No flags.</summary>
    public const byte None = 0x0;
    /// <summary>END_STREAM (DATA, HEADERS).</summary>
    public const byte EndStream = 0x1;
    /// <summary>ACK (SETTINGS, PING).</summary>
    public const byte Ack = 0x1;
    /// <summary>END_HEADERS (HEADERS, PUSH_PROMISE, CONTINUATION).</summary>
    public const byte EndHeaders = 0x4;
    /// <summary>PADDED (DATA, HEADERS, PUSH_PROMISE).</summary>
    public const byte Padded = 0x8;
    /// <summary>PRIORITY (HEADERS).</summary>
    public const byte Priority = 0x20;
}

/// <summary>Whether a frame was sent or received by the raw client.</summary>
public enum FrameDirection
{
    /// <summary>Received from the server.</summary>
    Received,
    /// <summary>Sent by the client.</summary>
    Sent,
}
