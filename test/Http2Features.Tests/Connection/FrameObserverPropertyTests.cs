using System.Buffers.Binary;
using System.Globalization;
using CsCheck;
using FluentAssertions;
using Http2Features.Connection;

namespace Http2Features.Tests.Connection;

/// <summary>
/// Property-based: the frame observer fed random, then randomly mutated and truncated, client frame streams in
/// random chunkings never throws and reports exactly what a one-chunk feed of the same bytes reports.
/// </summary>
public class FrameObserverPropertyTests
{
    private static readonly byte[] FrameTypes = [0x0, 0x1, 0x2, 0x3, 0x4, 0x6, 0x8, 0x9, 0x10, 0xFA];

    // One frame: a type Kestrel knows (or not), any flags, a small stream id (0, odd and even), a short payload.
    // The length field is always right here; mutations below make it wrong.
    private static readonly Gen<byte[]> FrameGen = Gen.Select(
        Gen.Int[0, FrameTypes.Length - 1],
        Gen.Byte,
        Gen.Int[0, 9],
        Gen.Byte.Array[0, 40],
        (typeIndex, flags, streamId, payload) =>
        {
            var f = new byte[9 + payload.Length];
            f[2] = (byte)payload.Length;
            f[3] = FrameTypes[typeIndex];
            f[4] = flags;
            BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(5), streamId);
            payload.CopyTo(f, 9);
            return f;
        });

    private static readonly Gen<(byte[] Bytes, bool Sniff, int[] Chunks)> StreamGen = Gen.Select(
        FrameGen.Array[0, 30],
        Gen.Select(Gen.Int[0, 100_000], Gen.Byte).Array[0, 4],
        Gen.Int[0, 100],
        Gen.Bool,
        Gen.Int[1, 23].Array[1, 12],
        (frames, mutations, keepPercent, sniff, chunks) =>
        {
            var bytes = Http2FrameObserver.Preface.ToArray().Concat(frames.SelectMany(f => f)).ToArray();
            foreach (var (position, value) in mutations)
            {
                bytes[position % bytes.Length] = value; // may hit the preface, a length, a type, flags or a payload
            }

            // Truncate a quarter of the streams somewhere (mid-header, mid-payload).
            var keep = keepPercent < 25 ? bytes.Length * keepPercent / 25 : bytes.Length;
            return (bytes[..keep], sniff, chunks);
        });

    [Fact]
    public void Random_mutated_streams_in_random_chunkings_report_the_same_as_one_chunk()
    {
        StreamGen.Sample(
            (bytes, sniff, chunks) =>
            {
                var whole = Feed(bytes, sniff, [bytes.Length == 0 ? 1 : bytes.Length]);
                var chunked = Feed(bytes, sniff, chunks);

                chunked.Events.Should().Equal(whole.Events);
                chunked.Frames.Should().Be(whole.Frames);
                chunked.Bytes.Should().Be(bytes.Length);
            },
            iter: 20000,
            threads: 1);
    }

    [Fact]
    public void One_byte_at_a_time_equals_one_chunk_for_valid_streams()
    {
        FrameGen.Array[1, 30].Sample(
            frames =>
            {
                var bytes = Http2FrameObserver.Preface.ToArray().Concat(frames.SelectMany(f => f)).ToArray();
                var whole = Feed(bytes, sniff: false, [bytes.Length]);
                var single = Feed(bytes, sniff: false, [1]);

                single.Events.Should().Equal(whole.Events);
                whole.Frames.Should().Be(frames.Length, "every well-formed frame header is parsed");
            },
            iter: 5000,
            threads: 1);
    }

    private static (List<string> Events, long Frames, long Bytes) Feed(byte[] bytes, bool sniff, int[] chunks)
    {
        var sink = new RecordingSink();
        var observer = new Http2FrameObserver(sink, sniff);
        var offset = 0;
        var i = 0;
        while (offset < bytes.Length)
        {
            var n = Math.Min(chunks[i++ % chunks.Length], bytes.Length - offset);
            observer.Observe(bytes.AsSpan(offset, n));
            offset += n;
        }

        return (sink.Events, observer.FramesObserved, observer.BytesObserved);
    }

    private sealed class RecordingSink : IHttp2FrameSink
    {
        public List<string> Events { get; } = [];

        public void OnProtocolDetected(SeamProtocol protocol) => Events.Add("protocol " + protocol);

        public void OnStreamOpened(int streamId) => Events.Add(Invariant($"open {streamId}"));

        public void OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream) =>
            Events.Add(Invariant($"priority {streamId} {dependsOn} {weight} {exclusive} {opensStream}"));

        public void OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue) =>
            Events.Add(Invariant($"update {prioritizedStreamId} {Convert.ToHexString(fieldValue)}"));

        public void OnStreamReset(int streamId) => Events.Add(Invariant($"reset {streamId}"));

        public void OnSetting(ushort id, uint value) => Events.Add(Invariant($"setting {id} {value}"));

        public void OnSettingsEnd() => Events.Add("settings end");

        private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    }
}
