namespace Http2Features.Connection;

/// <summary>
/// Follows the HTTP/1.1 output of ONE claimed response, byte by byte as Kestrel commits it, to find the point right after
/// its last chunk's <c>0\r\n</c>, where the trailer section goes. Kestrel (Http1OutputProducer, pinned by tests) writes a
/// response head <c>HTTP/1.1 NNN ...\r\n</c>, header lines, an empty line, then for an auto-chunked body chunks
/// <c>&lt;hex size&gt;\r\n&lt;data&gt;\r\n</c> with no extensions and finally <c>0\r\n\r\n</c>. 1xx heads before the final
/// head are skipped. Idle (no per-byte work) when no response is claimed. Not thread-safe: the writer calls it under its lock.
/// </summary>
internal sealed class Http1ChunkedTrailerTracker
{
    private const int MaxLineBytes = 256;
    private const int MaxChunkSizeDigits = 15;

    private readonly byte[] _line = new byte[MaxLineBytes];
    private int _lineLength;
    private bool _lineTooLong;
    private State _state;
    private Http1ResponseTrailers? _trailers;
    private int _status;
    private bool _chunked;
    private long _chunkSize;
    private int _chunkSizeDigits;
    private long _remaining;

    private enum State
    {
        Idle,
        StatusLine,
        HeaderLine,
        ChunkSize,
        ChunkExtension,
        ChunkSizeLf,
        Data,
        DataCr,
        DataLf,
    }

    public bool IsTracking => _state != State.Idle;

    /// <summary>Follows the next response head written; a response claimed before and not finished is abandoned.</summary>
    public void Claim(Http1ResponseTrailers trailers)
    {
        _trailers?.SetFraming(Http1TrailerFraming.Abandoned);
        _trailers = trailers;
        _state = State.StatusLine;
        _lineLength = 0;
        _lineTooLong = false;
        _status = 0;
        _chunked = false;
    }

    /// <summary>Stops following (connection ended); the claimed response learns why.</summary>
    public void Stop(Http1TrailerFraming framing)
    {
        _trailers?.SetFraming(framing);
        _trailers = null;
        _state = State.Idle;
    }

    /// <summary>
    /// Observes bytes Kestrel committed. Returns the offset in <paramref name="written"/> just after the last chunk's
    /// <c>0\r\n</c> (and the response whose trailers go there), or -1. After a hit the tracker is idle again.
    /// </summary>
    public int Observe(ReadOnlySpan<byte> written, out Http1ResponseTrailers? trailers)
    {
        trailers = null;
        for (var i = 0; i < written.Length && _state != State.Idle; i++)
        {
            var b = written[i];
            switch (_state)
            {
                case State.StatusLine:
                case State.HeaderLine:
                    if (b != (byte)'\n')
                    {
                        AppendLineByte(b);
                        break;
                    }

                    if (!EndLine())
                    {
                        return -1;
                    }

                    break;

                case State.ChunkSize:
                    if (HexValue(b) is var digit and >= 0)
                    {
                        if (++_chunkSizeDigits > MaxChunkSizeDigits)
                        {
                            Stop(Http1TrailerFraming.FramingMismatch);
                            return -1;
                        }

                        _chunkSize = (_chunkSize << 4) | (uint)digit;
                    }
                    else if (_chunkSizeDigits > 0 && b == (byte)'\r')
                    {
                        _state = State.ChunkSizeLf;
                    }
                    else if (_chunkSizeDigits > 0 && b == (byte)';')
                    {
                        _state = State.ChunkExtension;
                    }
                    else
                    {
                        Stop(Http1TrailerFraming.FramingMismatch);
                        return -1;
                    }

                    break;

                case State.ChunkExtension:
                    if (b == (byte)'\r')
                    {
                        _state = State.ChunkSizeLf;
                    }

                    break;

                case State.ChunkSizeLf:
                    if (b != (byte)'\n')
                    {
                        Stop(Http1TrailerFraming.FramingMismatch);
                        return -1;
                    }

                    if (_chunkSize == 0)
                    {
                        // The last chunk: its trailer section starts here.
                        trailers = _trailers;
                        _trailers = null;
                        _state = State.Idle;
                        return i + 1;
                    }

                    _remaining = _chunkSize;
                    _state = State.Data;
                    break;

                case State.Data:
                    var skip = (int)Math.Min(_remaining, written.Length - i);
                    _remaining -= skip;
                    i += skip - 1;
                    if (_remaining == 0)
                    {
                        _state = State.DataCr;
                    }

                    break;

                case State.DataCr:
                    if (b != (byte)'\r')
                    {
                        Stop(Http1TrailerFraming.FramingMismatch);
                        return -1;
                    }

                    _state = State.DataLf;
                    break;

                case State.DataLf:
                    if (b != (byte)'\n')
                    {
                        Stop(Http1TrailerFraming.FramingMismatch);
                        return -1;
                    }

                    BeginChunk();
                    break;
            }
        }

        return -1;
    }

    private void AppendLineByte(byte b)
    {
        if (_lineLength < MaxLineBytes)
        {
            _line[_lineLength++] = b;
        }
        else
        {
            _lineTooLong = true;
        }
    }

    // A whole line arrived (without its LF). Returns false when tracking stopped.
    private bool EndLine()
    {
        var line = _line.AsSpan(0, _lineLength);
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        var tooLong = _lineTooLong;
        _lineLength = 0;
        _lineTooLong = false;

        if (_state == State.StatusLine)
        {
            // "HTTP/1.1 200 OK": Kestrel always answers with HTTP/1.1 on an HTTP/1.x connection.
            if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != (byte)' '
                || HexValue(line[9]) is < 0 or > 9 || HexValue(line[10]) is < 0 or > 9 || HexValue(line[11]) is < 0 or > 9)
            {
                Stop(Http1TrailerFraming.FramingMismatch);
                return false;
            }

            _status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
            _chunked = false;
            _state = State.HeaderLine;
            return true;
        }

        if (line.Length > 0)
        {
            if (StartsWithName(line, "transfer-encoding:"u8))
            {
                // Only a whole value can say whether chunked is the final coding.
                _chunked = !tooLong && IsChunkedFinal(line["transfer-encoding:".Length..]);
            }

            return true;
        }

        // End of the head.
        if (_status is >= 100 and < 200 && _status != 101)
        {
            _state = State.StatusLine; // 100 Continue (or another 1xx): the final head follows
            return true;
        }

        if (!_chunked || _status == 101)
        {
            Stop(Http1TrailerFraming.NotChunked);
            return false;
        }

        _trailers?.SetFraming(Http1TrailerFraming.Chunked);
        BeginChunk();
        return true;
    }

    private void BeginChunk()
    {
        _chunkSize = 0;
        _chunkSizeDigits = 0;
        _state = State.ChunkSize;
    }

    private static bool StartsWithName(ReadOnlySpan<byte> line, ReadOnlySpan<byte> lowerName)
    {
        if (line.Length < lowerName.Length)
        {
            return false;
        }

        for (var i = 0; i < lowerName.Length; i++)
        {
            var c = line[i];
            if (c is >= (byte)'A' and <= (byte)'Z')
            {
                c = (byte)(c + 32);
            }

            if (c != lowerName[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsChunkedFinal(ReadOnlySpan<byte> value)
    {
        var comma = value.LastIndexOf((byte)',');
        var last = System.Text.Encoding.ASCII.GetString(comma < 0 ? value : value[(comma + 1)..]).Trim();
        return string.Equals(last, "chunked", StringComparison.OrdinalIgnoreCase);
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
