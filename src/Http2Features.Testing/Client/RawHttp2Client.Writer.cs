using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Http2Features.Testing;

// Serialised writes (one frame or one HEADERS+CONTINUATION sequence at a time), frame log and encoding helpers.
public sealed partial class RawHttp2Client
{
    private async Task<long> WriteFrameInternalAsync(Http2FrameType type, byte flags, int streamId, ReadOnlyMemory<byte> payload, string? detail, CancellationToken ct)
    {
        var frame = new byte[9 + payload.Length];
        WriteFrameHeader(frame, payload.Length, type, flags, streamId);
        payload.Span.CopyTo(frame.AsSpan(9));
        await AcquireWriteLockAsync(ct, $"the write lock to send {FrameNames.Of(type)}");
        try
        {
            ThrowIfClosed($"send {FrameNames.Of(type)} on stream {streamId}");
            await WriteBytesLockedAsync(frame, ct);
            return LogSent(type, flags, streamId, payload.Length, detail);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task AcquireWriteLockAsync(CancellationToken ct, string what)
    {
        if (!await _writeLock.WaitAsync(Options.Timeout, ct))
        {
            throw new RawHttp2Exception(DescribeFailure($"Timed out after {Options.Timeout.TotalSeconds:F1} s waiting for {what} (another write is stuck)", () => ""));
        }
    }

    private async Task WriteBytesLockedAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposeCts.Token);
        cts.CancelAfter(Options.Timeout);
        try
        {
            if (Options.ChunkWrites > 0)
            {
                for (var offset = 0; offset < bytes.Length; offset += Options.ChunkWrites)
                {
                    var n = Math.Min(Options.ChunkWrites, bytes.Length - offset);
                    await _stream.WriteAsync(bytes.Slice(offset, n), cts.Token);
                    await _stream.FlushAsync(cts.Token);
                }
            }
            else
            {
                await _stream.WriteAsync(bytes, cts.Token);
                await _stream.FlushAsync(cts.Token);
            }
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new RawHttp2Exception(DescribeFailure($"Timed out or disposed while writing {bytes.Length} bytes", () => ""), ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw new RawHttp2Exception(DescribeFailure($"Writing {bytes.Length} bytes failed: {ex.Message}", () => ""), ex);
        }
    }

    private void ThrowIfClosed(string action)
    {
        lock (Sync)
        {
            if (_closed.Task.IsCompleted)
            {
                throw new RawHttp2Exception($"Cannot {action}: the connection has ended ({_connectionError?.Message}).");
            }
        }
    }

    private void ApplyPendingEncoderTableSize()
    {
        int? size;
        lock (Sync)
        {
            size = _pendingEncoderTableSize;
            _pendingEncoderTableSize = null;
        }

        if (size is { } s && s != _encoder.DynamicTableMaxSize)
        {
            _encoder.SetMaxDynamicTableSize(s);
        }
    }

    private void PulseWindowLocked()
    {
        var signal = _windowChanged;
        _windowChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.TrySetResult();
    }

    private long LogReceived(Http2FrameType type, byte flags, int streamId, int length, long timestamp, string? detail) =>
        AddLog(FrameDirection.Received, type, flags, streamId, length, timestamp, detail);

    private long LogSent(Http2FrameType type, byte flags, int streamId, int length, string? detail) =>
        AddLog(FrameDirection.Sent, type, flags, streamId, length, Stopwatch.GetTimestamp(), detail);

    private long AddLog(FrameDirection direction, Http2FrameType type, byte flags, int streamId, int length, long timestamp, string? detail)
    {
        lock (Sync)
        {
            var seq = _sequence++;
            if (_log.Count >= Options.MaxFrameLogEntries)
            {
                // Bounded memory for long runs: drop the oldest half in one go (amortised O(1) per frame).
                _log.RemoveRange(0, Math.Max(1, _log.Count / 2));
            }

            _log.Add(new FrameLogEntry(seq, direction, type, flags, streamId, length, timestamp, Stopwatch.GetElapsedTime(_startTimestamp, timestamp), detail));
            return seq;
        }
    }

    // ------------------------------------------------------------------ encoding helpers

    private static byte[] BuildSettingsPayload(Http2Settings settings)
    {
        var pairs = settings.ToPairs().ToList();
        var payload = new byte[pairs.Count * 6];
        for (var i = 0; i < pairs.Count; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), pairs[i].Key);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan((i * 6) + 2), pairs[i].Value);
        }

        return payload;
    }

    private static void WritePriorityFields(Span<byte> destination, int dependsOn, int weight, bool exclusive)
    {
        var dep = (uint)(dependsOn & int.MaxValue) | (exclusive ? 0x80000000u : 0u);
        BinaryPrimitives.WriteUInt32BigEndian(destination, dep);
        destination[4] = (byte)(weight - 1);
    }

    private static void ValidateWeight(int weight)
    {
        if (weight is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "An HTTP/2 priority weight is 1..256 (sent as weight - 1). Use WriteFrameAsync for out-of-range values.");
        }
    }

    internal static void WriteFrameHeader(Span<byte> destination, int length, Http2FrameType type, byte flags, int streamId)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = (byte)type;
        destination[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], streamId & int.MaxValue);
    }

    private static void AppendFrame(List<byte> buffer, Http2FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[9];
        WriteFrameHeader(header, payload.Length, type, flags, streamId);
        buffer.AddRange(header);
        buffer.AddRange(payload);
    }

}
