using static Http2Features.Connection.Http2Frame;

namespace Http2Features.Connection;

/// <summary>
/// Follows Kestrel's HTTP/2 output byte by byte (each byte once, in Advance order) to know where frames
/// begin and end and whether a header block (HEADERS..CONTINUATION with END_HEADERS) is open. Kestrel writes one frame across several GetSpan/Advance calls,
/// so a 103 may only go in at a frame boundary outside a header block. It reads no HPACK: the writer never
/// needs Kestrel's table state, only where header blocks and SETTINGS ACKs are.
/// </summary>
internal sealed class Http2OutputFrameTracker
{
    // Kestrel's own 100-continue block: literal without indexing, :status (static 8), "100".
    private static ReadOnlySpan<byte> Continue100 => [0x08, 0x03, (byte)'1', (byte)'0', (byte)'0'];

    private readonly byte[] _header = new byte[FrameHeaderLength];
    private readonly byte[] _prefix = new byte[5];
    private readonly IHttp2OutputFrameListener _listener;
    private int _headerFill;
    private int _payloadRemaining;
    private int _payloadLength;
    private int _prefixFill;
    private byte _type;
    private byte _flags;
    private int _streamId;

    public Http2OutputFrameTracker(IHttp2OutputFrameListener listener) => _listener = listener;

    /// <summary>No partial frame header or payload is outstanding.</summary>
    public bool AtFrameBoundary => _headerFill == 0 && _payloadRemaining == 0;

    /// <summary>A HEADERS frame without END_HEADERS was written and its last CONTINUATION has not.</summary>
    public bool InHeaderBlock { get; private set; }

    /// <summary>Total bytes observed (for diagnostics and tests).</summary>
    public long BytesObserved { get; private set; }

    public void Observe(ReadOnlySpan<byte> bytes)
    {
        BytesObserved += bytes.Length;
        while (!bytes.IsEmpty)
        {
            if (_payloadRemaining == 0 && _headerFill < 9)
            {
                var take = Math.Min(9 - _headerFill, bytes.Length);
                bytes[..take].CopyTo(_header.AsSpan(_headerFill));
                _headerFill += take;
                bytes = bytes[take..];
                if (_headerFill == 9)
                {
                    StartFrame();
                }

                continue;
            }

            var chunk = Math.Min(_payloadRemaining, bytes.Length);
            if (_prefixFill < _prefix.Length && _type == TypeHeaders)
            {
                var copy = Math.Min(chunk, _prefix.Length - _prefixFill);
                bytes[..copy].CopyTo(_prefix.AsSpan(_prefixFill));
                _prefixFill += copy;
            }

            _payloadRemaining -= chunk;
            bytes = bytes[chunk..];
            if (_payloadRemaining == 0)
            {
                EndFrame();
            }
        }
    }

    private void StartFrame()
    {
        _payloadLength = (_header[0] << 16) | (_header[1] << 8) | _header[2];
        _type = _header[3];
        _flags = _header[4];
        _streamId = (int)(((uint)_header[5] << 24 | (uint)_header[6] << 16 | (uint)_header[7] << 8 | _header[8]) & 0x7FFFFFFFu);
        _payloadRemaining = _payloadLength;
        _prefixFill = 0;
        if (_type == TypeHeaders)
        {
            InHeaderBlock = (_flags & FlagEndHeaders) == 0;
        }
        else if (_type == TypeContinuation && (_flags & FlagEndHeaders) != 0)
        {
            InHeaderBlock = false;
        }

        if (_payloadRemaining == 0)
        {
            EndFrame();
        }
    }

    private void EndFrame()
    {
        _headerFill = 0;
        switch (_type)
        {
            case TypeHeaders:
                var interpretable = (_flags & (FlagPadded | FlagPriority)) == 0;
                var prefix = _prefix.AsSpan(0, _prefixFill);
                var isContinue = interpretable && _payloadLength == 5 && prefix.SequenceEqual(Continue100);
                _listener.OnHeaders(_streamId, isInformational: isContinue, endStream: (_flags & FlagEndStream) != 0);
                break;
            case TypeData:
                _listener.OnData(_streamId, _payloadLength, endStream: (_flags & FlagEndStream) != 0);
                if ((_flags & FlagEndStream) != 0)
                {
                    _listener.OnStreamEnded(_streamId, reset: false);
                }

                break;
            case TypeRstStream:
                _listener.OnStreamEnded(_streamId, reset: true);
                break;
            case TypeSettings when (_flags & FlagAck) != 0:
                _listener.OnSettingsAck();
                break;
        }
    }
}

/// <summary>What <see cref="Http2OutputFrameTracker"/> reports about Kestrel's frames, each once, when the frame is complete.</summary>
internal interface IHttp2OutputFrameListener
{
    /// <summary>
    /// A HEADERS frame; <paramref name="isInformational"/> for Kestrel's fixed 100-continue block.
    /// </summary>
    void OnHeaders(int streamId, bool isInformational, bool endStream);

    void OnStreamEnded(int streamId, bool reset);

    /// <summary>A DATA frame (payload <paramref name="length"/> bytes, padding included) was written completely.</summary>
    void OnData(int streamId, int length, bool endStream);

    /// <summary>A SETTINGS frame with ACK: Kestrel acknowledged the oldest client SETTINGS frame not yet acknowledged.</summary>
    void OnSettingsAck();
}
