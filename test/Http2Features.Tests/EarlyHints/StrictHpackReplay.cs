using System.IO.Pipelines;
using Http2Features.Testing;
using Http2Features.Tests.Connection;
using Microsoft.AspNetCore.Connections;

namespace Http2Features.Tests.EarlyHints;

/// <summary>
/// Replays a server's HTTP/2 output as the strictest client decoder would read it, and says whose header block the
/// first failure was on: one of the pack's 103s, or one of Kestrel's own blocks. Rules (python hpack, nghttp2 and
/// RFC 7541 section 4.2 together): a client SETTINGS takes effect for the decoder when its ACK is read; after an ACK
/// that lowers the size below the decoder's current table size, the next block must start with a size update no
/// larger than the smallest size acknowledged since the last block; no update may exceed the acknowledged size; and
/// every index must exist in the dynamic table.
/// </summary>
internal sealed class StrictHpackReplay
{
    private readonly Queue<uint?> _clientSettings;
    private readonly HpackDecoder _decoder = new(4096);
    private uint _acknowledged = 4096;
    private uint _tableSize = 4096;
    private uint? _smallestSinceLastBlock;

    /// <param name="clientHeaderTableSizes">SETTINGS_HEADER_TABLE_SIZE of every client SETTINGS frame in order, preface first (null: not carried).</param>
    public StrictHpackReplay(IEnumerable<uint?> clientHeaderTableSizes) => _clientSettings = new(clientHeaderTableSizes);

    public int HintBlocks { get; private set; }

    public int KestrelBlocks { get; private set; }

    /// <summary>"pack" or "kestrel", or null when every block decoded.</summary>
    public string? FailedOn { get; private set; }

    public string? Failure { get; private set; }

    public static StrictHpackReplay Run(byte[] serverOutput, IEnumerable<uint?> clientHeaderTableSizes)
    {
        var replay = new StrictHpackReplay(clientHeaderTableSizes);
        replay.Replay(serverOutput);
        return replay;
    }

    public override string ToString() =>
        $"{HintBlocks} hint blocks, {KestrelBlocks} Kestrel blocks decoded; first failure: {(FailedOn is null ? "none" : $"on {FailedOn}'s block: {Failure}")}";

    private void Replay(byte[] output)
    {
        var frames = TestFrames.Parse(output);
        List<byte>? block = null;
        for (var i = 0; i < frames.Count && FailedOn is null; i++)
        {
            var frame = frames[i];
            switch (frame.Type)
            {
                case 0x4 when (frame.Flags & 0x1) != 0:
                    OnAck();
                    break;
                case 0x1:
                    block = [.. Fragment(frame)];
                    if ((frame.Flags & 0x4) != 0)
                    {
                        OnBlock([.. block]);
                        block = null;
                    }

                    break;
                case 0x9:
                    block!.AddRange(frame.Payload);
                    if ((frame.Flags & 0x4) != 0)
                    {
                        OnBlock([.. block]);
                        block = null;
                    }

                    break;
            }
        }
    }

    private static byte[] Fragment(TestFrame frame)
    {
        var payload = frame.Payload.AsSpan();
        var pad = 0;
        if ((frame.Flags & 0x8) != 0)
        {
            pad = payload[0];
            payload = payload[1..];
        }

        if ((frame.Flags & 0x20) != 0)
        {
            payload = payload[5..];
        }

        return payload[..^pad].ToArray();
    }

    private void OnAck()
    {
        if (!_clientSettings.TryDequeue(out var size))
        {
            Fail("kestrel", "a SETTINGS ACK with no client SETTINGS to acknowledge");
            return;
        }

        if (size is { } s)
        {
            _acknowledged = s;
            if (s < _tableSize)
            {
                _smallestSinceLastBlock = Math.Min(s, _smallestSinceLastBlock ?? uint.MaxValue);
            }
        }
    }

    private void OnBlock(byte[] block)
    {
        // Leading dynamic table size updates (001xxxxx).
        var at = 0;
        var updates = new List<uint>();
        while (at < block.Length && (block[at] & 0xE0) == 0x20)
        {
            updates.Add(ReadInteger(block, ref at, 5));
        }

        var owner = block.AsSpan(at).StartsWith("\b\u0003103"u8) ? "pack" : "kestrel";
        if (_smallestSinceLastBlock is { } smallest && (updates.Count == 0 || updates[0] > smallest))
        {
            Fail(owner, updates.Count == 0
                ? $"no dynamic table size update after the client lowered its table to {smallest} (table {_tableSize})"
                : $"first size update {updates[0]} is above the smallest acknowledged size {smallest}");
            return;
        }

        foreach (var update in updates)
        {
            if (update > _acknowledged)
            {
                Fail(owner, $"size update {update} above the acknowledged {_acknowledged}");
                return;
            }

            _tableSize = update;
        }

        if (_tableSize > _acknowledged)
        {
            Fail(owner, $"table size {_tableSize} above the acknowledged {_acknowledged} (\"Encoder did not shrink table size to within the max\")");
            return;
        }

        _smallestSinceLastBlock = null;
        try
        {
            _decoder.SettingsMaxTableSize = (int)_acknowledged;
            _decoder.Decode(block);
        }
        catch (HpackException ex)
        {
            Fail(owner, ex.Message);
            return;
        }

        if (owner == "pack")
        {
            HintBlocks++;
        }
        else
        {
            KestrelBlocks++;
        }
    }

    private void Fail(string owner, string message)
    {
        FailedOn = owner;
        Failure = message;
    }

    private static uint ReadInteger(byte[] block, ref int at, int prefixBits)
    {
        var max = (1u << prefixBits) - 1;
        var value = block[at++] & max;
        if (value < max)
        {
            return value;
        }

        var shift = 0;
        while (true)
        {
            var b = block[at++];
            value += (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }

            shift += 7;
        }
    }
}

/// <summary>Records the plaintext bytes of every connection of an endpoint, in the order they reach the transport.</summary>
internal sealed class OutputRecorder
{
    private readonly List<RecordingPipeWriter> _connections = [];

    public IReadOnlyList<byte[]> Connections
    {
        get
        {
            lock (_connections)
            {
                return [.. _connections.Select(c => c.Bytes)];
            }
        }
    }

    /// <summary>A connection middleware; put it after UseHttps and before the seam so it sees what leaves the seam.</summary>
    public ConnectionDelegate Middleware(ConnectionDelegate next) => context =>
    {
        var writer = RecordingPipeWriter.Install(context, inner => new RecordingPipeWriter(inner));
        lock (_connections)
        {
            _connections.Add(writer);
        }

        return next(context);
    };
}
