using System.Buffers;
using System.Buffers.Binary;
using static Http2Features.Connection.Http2Frame;

namespace Http2Features.Connection;

/// <summary>
/// Incremental parser of the client side of an HTTP/2 connection. It is fed each input byte exactly once,
/// in any chunking, keeps a few bytes of state between calls, copies only the handful of bytes it needs
/// (frame headers, priority fields, settings entries, PRIORITY_UPDATE values up to
/// <see cref="MaxPriorityFieldLength"/>) and skips every other payload by arithmetic, never scanning it.
/// It never judges the connection: malformed input is Kestrel's to reject, the observer only stops
/// reporting what it cannot trust.
/// </summary>
internal sealed class Http2FrameObserver
{
    /// <summary>The client connection preface (RFC 9113 section 3.4).</summary>
    internal static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Longest PRIORITY_UPDATE field value the observer reads; longer ones are ignored.</summary>
    internal const int MaxPriorityFieldLength = 256;


    // Longer first tokens are not taken for an HTTP/1.x method (Kestrel's own methods are at most 7 bytes).
    private const int MaxSniffedMethodLength = 32;

    private enum State : byte
    {
        Preface,
        FrameHeader,
        Collect,
        Skip,
        Dormant,
    }

    private enum MethodSniff : byte
    {
        InToken,
        TokenAndSpace,
        NotHttp,
    }

    private enum Collecting : byte
    {
        HeadersPriority,
        Priority,
        SettingsEntry,
        PriorityUpdateStreamId,
        PriorityUpdateValue,
    }

    private readonly IHttp2FrameSink _sink;
    private readonly bool _sniff;
    private readonly byte[] _scratch = new byte[16];
    private byte[]? _fieldValue;

    private State _state;
    private Collecting _collecting;
    private int _prefaceIndex;
    private bool _prefaceMatches = true;
    private MethodSniff _method;
    private int _have;
    private int _need;

    private int _payloadRemaining;
    private byte _type;
    private byte _flags;
    private int _streamId;
    private int _prioritizedStreamId;

    /// <param name="sink">Receives the observations.</param>
    /// <param name="sniff">
    /// <see langword="true"/> on a transport whose protocol is not known (cleartext, or a transport another
    /// middleware may still wrap): the first bytes decide between h2c, HTTP/1.x and not HTTP.
    /// <see langword="false"/> after ALPN selected h2: the preface is expected.
    /// </param>
    public Http2FrameObserver(IHttp2FrameSink sink, bool sniff)
    {
        _sink = sink;
        _sniff = sniff;
    }

    /// <summary>Total bytes fed so far (the absolute offset of the next byte).</summary>
    public long BytesObserved { get; private set; }

    /// <summary>Number of complete frame headers parsed (for tests and benchmarks).</summary>
    public long FramesObserved { get; private set; }

    /// <summary><see langword="true"/> once the observer stopped looking at bytes (not HTTP/2, or stopped).</summary>
    public bool IsDormant => _state == State.Dormant;

    /// <summary>Stops observing; later bytes are ignored.</summary>
    public void Stop() => _state = State.Dormant;

    /// <summary>Feeds the next bytes of the connection, in order.</summary>
    public void Observe(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            Observe(bytes.FirstSpan);
            return;
        }

        foreach (var segment in bytes)
        {
            Observe(segment.Span);
        }
    }

    /// <summary>Feeds the next bytes of the connection, in order.</summary>
    public void Observe(ReadOnlySpan<byte> span)
    {
        BytesObserved += span.Length;
        while (!span.IsEmpty)
        {
            switch (_state)
            {
                case State.Dormant:
                    return;

                case State.Skip:
                {
                    var n = Math.Min(span.Length, _payloadRemaining);
                    _payloadRemaining -= n;
                    span = span[n..];
                    if (_payloadRemaining == 0)
                    {
                        BeginFrameHeader();
                    }

                    break;
                }

                case State.FrameHeader:
                case State.Collect:
                {
                    var n = Math.Min(span.Length, _need - _have);
                    if (_state == State.Collect && _collecting == Collecting.PriorityUpdateValue)
                    {
                        span[..n].CopyTo(_fieldValue.AsSpan(_have));
                    }
                    else
                    {
                        span[..n].CopyTo(_scratch.AsSpan(_have));
                    }

                    _have += n;
                    span = span[n..];
                    if (_have == _need)
                    {
                        if (_state == State.FrameHeader)
                        {
                            OnFrameHeader();
                        }
                        else
                        {
                            _payloadRemaining -= _need;
                            OnCollected();
                        }
                    }

                    break;
                }

                case State.Preface:
                    span = ObservePreface(span);
                    break;
            }
        }
    }

    private ReadOnlySpan<byte> ObservePreface(ReadOnlySpan<byte> span)
    {
        if (!_sniff)
        {
            // ALPN said h2: the preface is expected; anything else is Kestrel's to reject.
            var n = Math.Min(span.Length, Preface.Length - _prefaceIndex);
            if (!span[..n].SequenceEqual(Preface.Slice(_prefaceIndex, n)))
            {
                _state = State.Dormant;
                return default;
            }

            _prefaceIndex += n;
            if (_prefaceIndex == Preface.Length)
            {
                BeginFrameHeader();
            }

            return span[n..];
        }

        // Cleartext, or a transport below something the seam cannot see through: the preface means h2c,
        // a method token followed by a space means HTTP/1.x, anything else (a TLS record, a binary header)
        // is not HTTP and this pipe never observes or writes. "PRI " is also a method and a space, so the
        // preface decides first.
        var i = 0;
        for (; i < span.Length; i++)
        {
            var b = span[i];
            var at = _prefaceIndex++;
            if (_prefaceMatches && b != Preface[at])
            {
                _prefaceMatches = false;
            }

            if (_method == MethodSniff.InToken)
            {
                _method = b == (byte)' ' && at > 0 ? MethodSniff.TokenAndSpace
                    : IsTokenChar(b) && at < MaxSniffedMethodLength ? MethodSniff.InToken
                    : MethodSniff.NotHttp;
            }

            if (_prefaceMatches)
            {
                if (_prefaceIndex == Preface.Length)
                {
                    _sink.OnProtocolDetected(SeamProtocol.Http2Cleartext);
                    BeginFrameHeader();
                    return span[(i + 1)..];
                }

                continue;
            }

            if (_method != MethodSniff.InToken)
            {
                _state = State.Dormant;
                _sink.OnProtocolDetected(_method == MethodSniff.TokenAndSpace ? SeamProtocol.Http11 : SeamProtocol.NotHttp);
                return default;
            }
        }

        return default;
    }

    private static bool IsTokenChar(byte b) => HttpToken.IsChar(b);

    private void BeginFrameHeader()
    {
        _state = State.FrameHeader;
        _have = 0;
        _need = FrameHeaderLength;
    }

    private void BeginCollect(Collecting what, int count)
    {
        _state = State.Collect;
        _collecting = what;
        _have = 0;
        _need = count;
    }

    private void SkipRestOfPayload()
    {
        if (_payloadRemaining == 0)
        {
            BeginFrameHeader();
        }
        else
        {
            _state = State.Skip;
        }
    }

    private void OnFrameHeader()
    {
        FramesObserved++;
        var header = _scratch.AsSpan(0, FrameHeaderLength);
        _payloadRemaining = (header[0] << 16) | (header[1] << 8) | header[2];
        _type = header[3];
        _flags = header[4];
        _streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(header[5..]) & 0x7FFF_FFFF);

        switch (_type)
        {
            case TypeHeaders when _streamId != 0:
                if ((_flags & FlagPriority) != 0)
                {
                    var needed = ((_flags & FlagPadded) != 0 ? 1 : 0) + 5;
                    if (_payloadRemaining >= needed)
                    {
                        // Reported with the priority fields, in one call.
                        BeginCollect(Collecting.HeadersPriority, needed);
                        return;
                    }
                }

                _sink.OnStreamOpened(_streamId);
                break;

            case TypePriority when _streamId != 0 && _payloadRemaining == 5:
                BeginCollect(Collecting.Priority, 5);
                return;

            case TypeRstStream when _streamId != 0 && _payloadRemaining == 4:
                _sink.OnStreamReset(_streamId);
                break;

            case TypeSettings when _streamId == 0 && (_flags & FlagAck) == 0 && _payloadRemaining % 6 == 0:
                if (_payloadRemaining == 0)
                {
                    // Kestrel acknowledges an empty SETTINGS too: the ACKs are matched with frames in order.
                    _sink.OnSettingsEnd();
                    break;
                }

                BeginCollect(Collecting.SettingsEntry, 6);
                return;

            case TypePriorityUpdate when _streamId == 0 && _payloadRemaining >= 4 && _payloadRemaining - 4 <= MaxPriorityFieldLength:
                BeginCollect(Collecting.PriorityUpdateStreamId, 4);
                return;
        }

        SkipRestOfPayload();
    }

    private void OnCollected()
    {
        switch (_collecting)
        {
            case Collecting.HeadersPriority:
            {
                var fields = _scratch.AsSpan(_need - 5, 5);
                ReportPriority(fields, opensStream: true);
                break;
            }

            case Collecting.Priority:
                ReportPriority(_scratch.AsSpan(0, 5), opensStream: false);
                break;

            case Collecting.SettingsEntry:
                _sink.OnSetting(BinaryPrimitives.ReadUInt16BigEndian(_scratch), BinaryPrimitives.ReadUInt32BigEndian(_scratch.AsSpan(2)));
                if (_payloadRemaining >= 6)
                {
                    BeginCollect(Collecting.SettingsEntry, 6);
                    return;
                }

                _sink.OnSettingsEnd();
                break;

            case Collecting.PriorityUpdateStreamId:
                _prioritizedStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(_scratch) & 0x7FFF_FFFF);
                if (_payloadRemaining > 0)
                {
                    _fieldValue ??= new byte[MaxPriorityFieldLength];
                    BeginCollect(Collecting.PriorityUpdateValue, _payloadRemaining);
                    return;
                }

                ReportPriorityUpdate(default);
                break;

            case Collecting.PriorityUpdateValue:
                ReportPriorityUpdate(_fieldValue.AsSpan(0, _need));
                break;
        }

        SkipRestOfPayload();
    }

    private void ReportPriority(ReadOnlySpan<byte> fields, bool opensStream)
    {
        var raw = BinaryPrimitives.ReadUInt32BigEndian(fields);
        var dependsOn = (int)(raw & 0x7FFF_FFFF);

        // Kestrel answers a self-dependency with PROTOCOL_ERROR; the entry would be meaningless.
        if (dependsOn != _streamId)
        {
            _sink.OnPriority(_streamId, dependsOn, fields[4] + 1, (raw & 0x8000_0000) != 0, opensStream);
        }
    }

    private void ReportPriorityUpdate(ReadOnlySpan<byte> value)
    {
        // RFC 9218: the prioritized stream is a client-initiated (odd) request stream.
        if (_prioritizedStreamId != 0 && (_prioritizedStreamId & 1) == 1)
        {
            _sink.OnPriorityUpdate(_prioritizedStreamId, value);
        }
    }
}
