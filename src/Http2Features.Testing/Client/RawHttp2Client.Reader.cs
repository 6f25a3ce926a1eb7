using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Http2Features.Testing;

// The background reader: parses frames, updates stream state, answers SETTINGS/PING, returns flow-control window.
public sealed partial class RawHttp2Client
{
    private async Task ReadLoopAsync()
    {
        var header = new byte[9];
        var payload = new byte[Math.Max(_maxReceiveFrameSize, DefaultMaxFrameSize)];
        Exception? error = null;
        try
        {
            while (true)
            {
                if (!await ReadExactlyOrEofAsync(header))
                {
                    error = new RawHttp2Exception("The server closed the connection.");
                    break;
                }

                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var type = (Http2FrameType)header[3];
                var flags = header[4];
                var streamId = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue;
                if (length > _maxReceiveFrameSize)
                {
                    throw new RawHttp2Exception($"The server sent a {length}-byte {FrameNames.Of(type)} frame on stream {streamId}, larger than the client's SETTINGS_MAX_FRAME_SIZE {_maxReceiveFrameSize} (FRAME_SIZE_ERROR).");
                }

                if (length > 0 && !await ReadExactlyOrEofAsync(payload.AsMemory(0, length)))
                {
                    throw new RawHttp2Exception($"The connection closed in the middle of a {length}-byte {FrameNames.Of(type)} frame on stream {streamId}.");
                }

                await ProcessFrameAsync(type, flags, streamId, payload.AsMemory(0, length));
            }
        }
        catch (Exception ex) when (_disposed != 0)
        {
            error = new RawHttp2Exception("The client was disposed.", ex);
        }
        catch (RawHttp2Exception ex)
        {
            error = ex;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            error = new RawHttp2Exception($"The connection failed: {ex.Message}", ex);
        }
        catch (HpackException ex)
        {
            error = new RawHttp2Exception($"The server sent an invalid header block (COMPRESSION_ERROR): {ex.Message}", ex);
        }
#pragma warning disable CA1031 // The reader must surface any failure to every waiter instead of dying silently.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = new RawHttp2Exception($"The raw client's reader failed: {ex.Message}", ex);
        }

        OnConnectionEnded(error);
    }

    private async Task<bool> ReadExactlyOrEofAsync(Memory<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer[read..], _disposeCts.Token);
            if (n == 0)
            {
                if (read == 0)
                {
                    return false;
                }

                throw new RawHttp2Exception($"The connection closed after {read} of {buffer.Length} bytes of a frame.");
            }

            read += n;
        }

        return true;
    }

    private async Task ProcessFrameAsync(Http2FrameType type, byte flags, int streamId, ReadOnlyMemory<byte> payload)
    {
        var now = Stopwatch.GetTimestamp();
        if (_blockStreamId != 0 && type != Http2FrameType.Continuation)
        {
            LogReceived(type, flags, streamId, payload.Length, now, null);
            throw new RawHttp2Exception($"The server sent {FrameNames.Of(type)} on stream {streamId} while a header block on stream {_blockStreamId} awaited CONTINUATION (PROTOCOL_ERROR).");
        }

        switch (type)
        {
            case Http2FrameType.Data:
                await OnDataAsync(flags, streamId, payload, now);
                break;
            case Http2FrameType.Headers:
            case Http2FrameType.PushPromise:
            {
                var span = payload.Span;
                var pos = 0;
                var padLength = 0;
                if ((flags & Http2FrameFlags.Padded) != 0)
                {
                    padLength = span.Length > 0 ? span[0] : throw new RawHttp2Exception($"PADDED {FrameNames.Of(type)} on stream {streamId} has no pad length.");
                    pos = 1;
                }

                if (type == Http2FrameType.Headers && (flags & Http2FrameFlags.Priority) != 0)
                {
                    pos += 5;
                }

                var promised = 0;
                if (type == Http2FrameType.PushPromise)
                {
                    promised = span.Length >= pos + 4 ? BinaryPrimitives.ReadInt32BigEndian(span[pos..]) & int.MaxValue : 0;
                    pos += 4;
                }

                if (pos + padLength > span.Length)
                {
                    LogReceived(type, flags, streamId, payload.Length, now, null);
                    throw new RawHttp2Exception($"{FrameNames.Of(type)} on stream {streamId}: padding {padLength} exceeds the {span.Length}-byte payload (PROTOCOL_ERROR).");
                }

                _blockBuffer.ResetWrittenCount();
                _blockBuffer.Write(span[pos..(span.Length - padLength)]);
                _blockStreamId = streamId;
                _blockEndStream = type == Http2FrameType.Headers && (flags & Http2FrameFlags.EndStream) != 0;
                _blockIsPushPromise = type == Http2FrameType.PushPromise;
                if ((flags & Http2FrameFlags.EndHeaders) != 0)
                {
                    CompleteHeaderBlock(type, flags, streamId, payload.Length, now, promised);
                }
                else
                {
                    LogReceived(type, flags, streamId, payload.Length, now, promised != 0 ? "promised=" + promised.ToString(CultureInfo.InvariantCulture) : null);
                }

                break;
            }

            case Http2FrameType.Continuation:
                if (_blockStreamId == 0 || streamId != _blockStreamId)
                {
                    LogReceived(type, flags, streamId, payload.Length, now, null);
                    throw new RawHttp2Exception($"The server sent CONTINUATION on stream {streamId} without an open header block (expected stream {_blockStreamId}) (PROTOCOL_ERROR).");
                }

                _blockBuffer.Write(payload.Span);
                if ((flags & Http2FrameFlags.EndHeaders) != 0)
                {
                    CompleteHeaderBlock(type, flags, streamId, payload.Length, now, 0);
                }
                else
                {
                    LogReceived(type, flags, streamId, payload.Length, now, null);
                }

                break;
            case Http2FrameType.RstStream:
            {
                var code = payload.Length >= 4 ? (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload.Span) : Http2ErrorCode.FrameSizeError;
                var rstSequence = LogReceived(type, flags, streamId, payload.Length, now, code.ToString());
                lock (Sync)
                {
                    if (_streams.TryGetValue(streamId, out var s))
                    {
                        s.OnReset(code, now, rstSequence, byClient: false);
                    }
                }

                break;
            }

            case Http2FrameType.Settings:
                await OnSettingsAsync(flags, streamId, payload, now);
                break;
            case Http2FrameType.Ping:
                if ((flags & Http2FrameFlags.Ack) != 0)
                {
                    LogReceived(type, flags, streamId, payload.Length, now, "ACK");
                    if (payload.Length == 8)
                    {
                        var opaque = BinaryPrimitives.ReadInt64BigEndian(payload.Span);
                        lock (Sync)
                        {
                            if (_pings.Remove(opaque, out var ping))
                            {
                                ping.Tcs.TrySetResult(Stopwatch.GetElapsedTime(ping.Started, now));
                            }
                        }
                    }
                }
                else
                {
                    LogReceived(type, flags, streamId, payload.Length, now, null);
                    await WriteFrameInternalAsync(Http2FrameType.Ping, Http2FrameFlags.Ack, 0, payload.ToArray(), "ACK", CancellationToken.None);
                }

                break;
            case Http2FrameType.GoAway:
            {
                var span = payload.Span;
                var info = span.Length >= 8
                    ? new GoAwayInfo(BinaryPrimitives.ReadInt32BigEndian(span) & int.MaxValue, (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(span[4..]), span[8..].ToArray())
                    : new GoAwayInfo(0, Http2ErrorCode.FrameSizeError, span.ToArray());
                LogReceived(type, flags, streamId, payload.Length, now, info.ToString());
                lock (Sync)
                {
                    _goAway = info;
                    foreach (var s in _streams.Values)
                    {
                        if (s.StreamId > info.LastStreamId && !s.IsCompleted)
                        {
                            s.Fail(new RawHttp2Exception($"The server sent {info} and will not process stream {s.StreamId}."));
                        }
                    }
                }

                _goAwayReceived.TrySetResult(info);
                break;
            }

            case Http2FrameType.WindowUpdate:
            {
                var increment = payload.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(payload.Span) & int.MaxValue : 0;
                LogReceived(type, flags, streamId, payload.Length, now, "increment=" + increment.ToString(CultureInfo.InvariantCulture));
                lock (Sync)
                {
                    if (streamId == 0)
                    {
                        _connectionSendWindow += increment;
                    }
                    else if (_streams.TryGetValue(streamId, out var s))
                    {
                        s.SendWindow += increment;
                    }

                    PulseWindowLocked();
                }

                break;
            }

            default:
                // PRIORITY, PRIORITY_UPDATE and unknown types: logged only (RFC 9113 5.5: ignore unknown frames).
                LogReceived(type, flags, streamId, payload.Length, now, null);
                break;
        }
    }

    private void CompleteHeaderBlock(Http2FrameType type, byte flags, int streamId, int length, long now, int promised)
    {
        // Decoded straight from the reusable buffer: no copy of the header block.
        var block = _blockBuffer.WrittenSpan;
        var endStream = _blockEndStream;
        var pushPromise = _blockIsPushPromise;
        _blockStreamId = 0;
        List<KeyValuePair<string, string>> fields;
        try
        {
            // Every block is decoded, even for unknown streams, to keep the HPACK dynamic table in sync.
            fields = _decoder.Decode(block);
        }
        catch (HpackException ex)
        {
            LogReceived(type, flags, streamId, length, now, "undecodable header block");
            throw new RawHttp2Exception($"The server's header block on stream {streamId} could not be decoded (COMPRESSION_ERROR): {ex.Message}", ex);
        }

        var status = fields.FirstOrDefault(f => f.Key == ":status").Value;
        var detail = pushPromise ? "push promise " + promised.ToString(CultureInfo.InvariantCulture)
            : status is not null ? ":status " + status
            : "trailers (" + fields.Count.ToString(CultureInfo.InvariantCulture) + " fields)";
        var sequence = LogReceived(type, flags, streamId, length, now, detail);
        if (pushPromise)
        {
            return;
        }

        lock (Sync)
        {
            if (_streams.TryGetValue(streamId, out var s))
            {
                s.OnHeaderBlock(fields, endStream, now, sequence);
            }
        }
    }

    private async Task OnDataAsync(byte flags, int streamId, ReadOnlyMemory<byte> payload, long now)
    {
        var span = payload.Span;
        var start = 0;
        var padLength = 0;
        if ((flags & Http2FrameFlags.Padded) != 0)
        {
            padLength = span.Length > 0 ? span[0] : 0;
            start = 1;
        }

        var endStream = (flags & Http2FrameFlags.EndStream) != 0;
        var sequence = LogReceived(Http2FrameType.Data, flags, streamId, payload.Length, now, null);
        if (start + padLength > span.Length)
        {
            throw new RawHttp2Exception($"DATA on stream {streamId}: padding {padLength} exceeds the {span.Length}-byte payload (PROTOCOL_ERROR).");
        }

        int connectionIncrement = 0, streamIncrement = 0;
        lock (Sync)
        {
            if (_streams.TryGetValue(streamId, out var s))
            {
                if (!s.OnData(span[start..(span.Length - padLength)], endStream, now, sequence, Options.MaxResponseBodySize))
                {
                    throw new RawHttp2Exception($"The response body on stream {streamId} exceeds RawHttp2ClientOptions.MaxResponseBodySize ({Options.MaxResponseBodySize} bytes).");
                }

                if (Options.AutoWindowUpdate && !endStream && payload.Length > 0)
                {
                    s.ReceiveUnacknowledged += payload.Length;
                    if (s.ReceiveUnacknowledged >= Math.Max(1, _receiveStreamWindow / 2))
                    {
                        streamIncrement = s.ReceiveUnacknowledged;
                        s.ReceiveUnacknowledged = 0;
                    }
                }
            }

            if (Options.AutoWindowUpdate && payload.Length > 0)
            {
                _connectionReceiveUnacknowledged += payload.Length;
                if (_connectionReceiveUnacknowledged >= Math.Max(1, _receiveConnectionWindow / 2))
                {
                    connectionIncrement = _connectionReceiveUnacknowledged;
                    _connectionReceiveUnacknowledged = 0;
                }
            }
        }

        if (connectionIncrement > 0)
        {
            await SendWindowUpdateAsync(0, connectionIncrement);
        }

        if (streamIncrement > 0)
        {
            await SendWindowUpdateAsync(streamId, streamIncrement);
        }
    }

    private async Task OnSettingsAsync(byte flags, int streamId, ReadOnlyMemory<byte> payload, long now)
    {
        if ((flags & Http2FrameFlags.Ack) != 0)
        {
            LogReceived(Http2FrameType.Settings, flags, streamId, payload.Length, now, "ACK");
            _settingsAcknowledged.TrySetResult();
            return;
        }

        if (payload.Length % 6 != 0)
        {
            LogReceived(Http2FrameType.Settings, flags, streamId, payload.Length, now, null);
            throw new RawHttp2Exception($"The server sent a SETTINGS frame of {payload.Length} bytes, not a multiple of 6 (FRAME_SIZE_ERROR).");
        }

        var received = new Http2Settings();
        lock (Sync)
        {
            for (var i = 0; i < payload.Length; i += 6)
            {
                var id = BinaryPrimitives.ReadUInt16BigEndian(payload.Span[i..]);
                var value = BinaryPrimitives.ReadUInt32BigEndian(payload.Span[(i + 2)..]);
                received.Apply(id, value);
                _serverSettings.Apply(id, value);
                switch (id)
                {
                    case 0x1:
                        _pendingEncoderTableSize = (int)Math.Min(value, 4096u);
                        break;
                    case 0x4:
                        var delta = value - _serverInitialWindowSize;
                        _serverInitialWindowSize = value;
                        foreach (var s in _streams.Values)
                        {
                            s.SendWindow += delta;
                        }

                        PulseWindowLocked();
                        break;
                    case 0x5:
                        _serverMaxFrameSize = (int)Math.Clamp(value, DefaultMaxFrameSize, 16777215u);
                        break;
                }
            }
        }

        var values = received.ToString();
        LogReceived(Http2FrameType.Settings, flags, streamId, payload.Length, now, values.Length == 0 ? "(no values)" : values);
        await WriteFrameInternalAsync(Http2FrameType.Settings, Http2FrameFlags.Ack, 0, ReadOnlyMemory<byte>.Empty, "ACK", CancellationToken.None);
        _serverSettingsReceived.TrySetResult();
    }

    private void OnConnectionEnded(Exception? error)
    {
        error ??= new RawHttp2Exception("The connection ended.");
        List<RawHttp2Stream> open;
        List<TaskCompletionSource<TimeSpan>> pings;
        lock (Sync)
        {
            _connectionError ??= error;
            open = _streams.Values.Where(s => !s.IsCompleted).ToList();
            pings = _pings.Values.Select(p => p.Tcs).ToList();
            _pings.Clear();
            _windowChanged.TrySetException(error);
            _ = _windowChanged.Task.Exception;
        }

        foreach (var s in open)
        {
            s.Fail(new RawHttp2Exception($"Stream {s.StreamId} did not complete: {error.Message}", error));
        }

        foreach (var p in pings)
        {
            p.TrySetException(error);
        }

        SetFailed(_serverSettingsReceived, error);
        SetFailed(_settingsAcknowledged, error);
        if (!_goAwayReceived.Task.IsCompleted)
        {
            _goAwayReceived.TrySetException(new RawHttp2Exception($"The connection ended without a GOAWAY: {error.Message}", error));
            _ = _goAwayReceived.Task.Exception;
        }

        _closed.TrySetResult();

        static void SetFailed(TaskCompletionSource tcs, Exception e)
        {
            tcs.TrySetException(e);
            _ = tcs.Task.Exception;
        }
    }

}
