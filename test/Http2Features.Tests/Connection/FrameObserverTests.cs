using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using FluentAssertions;
using Http2Features.Connection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Http2Features.Tests.Connection;

/// <summary>
/// The frame observer fed through the real seam reader over a real <see cref="Pipe"/>: every chunking of
/// the same bytes, and every consumption pattern of the reader above it, must yield exactly the same
/// observations, and the reader must hand its caller exactly the bytes written.
/// </summary>
public class FrameObserverTests
{
    private static readonly byte[] Mixed = FrameBytes.Concat(
        FrameBytes.Preface,
        FrameBytes.Settings((0x1, 1024), (0x3, 100), (0x5, 32768)),
        FrameBytes.Frame(0x8, 0, 0, [0, 0, 0x10, 0]), // WINDOW_UPDATE
        FrameBytes.Headers(1, priority: (0, 256, true), padLength: 7),
        FrameBytes.Headers(3, priority: (1, 1, false)),
        FrameBytes.Headers(5),
        FrameBytes.Data(5, 100),
        FrameBytes.Priority(7, 3, 16),
        FrameBytes.Priority(9, 9, 32), // self-dependency: Kestrel's PROTOCOL_ERROR, nothing recorded
        FrameBytes.Frame(0x2, 0, 11, new byte[4]), // PRIORITY of the wrong length: FRAME_SIZE_ERROR, nothing recorded
        FrameBytes.PriorityUpdate(1, "u=1, i"),
        FrameBytes.PriorityUpdate(2, "u=0"), // even stream: not a request stream, ignored
        FrameBytes.Frame(0xFA, 0xFF, 1, new byte[300]), // unknown type, skipped
        FrameBytes.RstStream(3),
        FrameBytes.Frame(0x4, 0x1, 0, []), // SETTINGS ACK
        FrameBytes.Headers(13, priority: (11, 200, false), padLength: 0));

    private static readonly string[] Expected =
    [
        "setting 1=1024", "setting 3=100", "setting 5=32768", "settings end",
        "headers 1 dep=0 w=256 e=True",
        "headers 3 dep=1 w=1 e=False",
        "opened 5",
        "priority 7 dep=3 w=16 e=False",
        "update 1 'u=1, i'",
        "reset 3",
        "headers 13 dep=11 w=200 e=False",
    ];

    [Fact]
    public async Task One_chunk_reports_every_frame_of_interest_in_wire_order()
    {
        var (events, echoed) = await RunAsync(Mixed, [Mixed.Length], consumeAll: true);

        events.Should().Equal(Expected);
        echoed.Should().Equal(Mixed);
    }

    [Fact]
    public async Task One_byte_at_a_time_reports_the_same_frames()
    {
        var (events, echoed) = await RunAsync(Mixed, Enumerable.Repeat(1, Mixed.Length).ToArray(), consumeAll: true);

        events.Should().Equal(Expected);
        echoed.Should().Equal(Mixed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(1234)]
    public async Task Random_chunkings_with_partial_consumption_report_the_same_frames(int seed)
    {
        var random = new Random(seed);
        var chunks = new List<int>();
        for (var left = Mixed.Length; left > 0;)
        {
            var n = Math.Min(left, random.Next(1, 40));
            chunks.Add(n);
            left -= n;
        }

        // consumeAll: false leaves bytes unconsumed, as HTTP/1.1 does today and HTTP/2 could: they are
        // presented again and must not be parsed twice.
        var (events, echoed) = await RunAsync(Mixed, chunks.ToArray(), consumeAll: false, random);

        events.Should().Equal(Expected);
        echoed.Should().Equal(Mixed);
    }

    [Fact]
    public void Cleartext_sniffing_tells_h2c_from_HTTP_1_x_and_from_bytes_that_are_not_HTTP()
    {
        Sniff(FrameBytes.Concat(FrameBytes.Preface, FrameBytes.Settings())).Should().Equal("protocol Http2Cleartext");
        Sniff("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()).Should().Equal("protocol Http11");
        Sniff("PRI * HTTP/1.1\r\n"u8.ToArray()).Should().Equal("protocol Http11");
        Sniff("M-SEARCH * HTTP/1.1\r\n"u8.ToArray()).Should().Equal("protocol Http11");
        Sniff([0x16, 0x03, 0x01, 0x00, 0x10]).Should().Equal(["protocol NotHttp"], "ciphertext is for the seam above TLS");
        Sniff("\r\n\r\n\0\r\nQUIT\n"u8.ToArray()).Should().Equal(["protocol NotHttp"], "a PROXY v2 header is not HTTP");
        Sniff(" GET / HTTP/1.1\r\n"u8.ToArray()).Should().Equal(["protocol NotHttp"], "a method is at least one token character");
        Sniff(Encoding.ASCII.GetBytes(new string('A', 40) + " / HTTP/1.1\r\n")).Should().Equal(["protocol NotHttp"], "longer first tokens are not taken for a method");
        Sniff("GET"u8.ToArray()).Should().BeEmpty("a token without its space decides nothing yet");
    }

    [Fact]
    public void Sniffing_one_byte_at_a_time_decides_the_same()
    {
        foreach (var bytes in new[] { FrameBytes.Concat(FrameBytes.Preface, FrameBytes.Settings((1, 0))), "GET / HTTP/1.1\r\n"u8.ToArray(), "PRI * HTTP/1.1\r\n"u8.ToArray(), [0x16, 0x03] })
        {
            var whole = Sniff(bytes);
            var sink = new RecordingSink();
            var observer = new Http2FrameObserver(sink, sniff: true);
            foreach (var b in bytes)
            {
                observer.Observe([b]);
            }

            sink.Events.Where(e => e.StartsWith("protocol", StringComparison.Ordinal)).Should().Equal(whole);
        }
    }

    [Fact]
    public void Oversized_PRIORITY_UPDATE_is_skipped_and_parsing_stays_in_step()
    {
        var bytes = FrameBytes.Concat(
            FrameBytes.Preface,
            FrameBytes.PriorityUpdate(1, "u=1, " + new string('a', Http2FrameObserver.MaxPriorityFieldLength)),
            FrameBytes.Priority(3, 0, 100));
        var sink = new RecordingSink();
        var observer = new Http2FrameObserver(sink, sniff: false);

        observer.Observe(bytes);

        sink.Events.Should().Equal("priority 3 dep=0 w=100 e=False");
        observer.FramesObserved.Should().Be(2);
    }

    [Fact]
    public void Frame_longer_than_any_buffer_is_skipped_by_arithmetic()
    {
        // A 16 MiB DATA frame header followed by a few bytes: the observer neither buffers nor scans them.
        var header = FrameBytes.Frame(0x0, 0, 1, [])[..9];
        header[0] = 0xFF;
        header[1] = 0xFF;
        header[2] = 0xFF;
        var sink = new RecordingSink();
        var observer = new Http2FrameObserver(sink, sniff: false);

        observer.Observe(FrameBytes.Preface);
        observer.Observe(header);
        observer.Observe(new byte[1 << 20]);

        sink.Events.Should().BeEmpty();
        observer.BytesObserved.Should().Be(24 + 9 + (1 << 20));
    }

    private static List<string> Sniff(byte[] bytes)
    {
        var sink = new RecordingSink();
        new Http2FrameObserver(sink, sniff: true).Observe(bytes);
        return sink.Events.Where(e => e.StartsWith("protocol", StringComparison.Ordinal)).ToList();
    }

    private static async Task<(List<string> Events, byte[] Echoed)> RunAsync(byte[] bytes, int[] chunks, bool consumeAll, Random? random = null)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        var sink = new RecordingSink();
        var layer = new SeamTransportLayer(new ConnectionSeamState(), afterTls: true);
        var reader = new FrameObservingReader(pipe.Reader, new Http2FrameObserver(sink, sniff: false), layer, NullLogger.Instance);

        var writing = Task.Run(async () =>
        {
            var offset = 0;
            foreach (var n in chunks)
            {
                await pipe.Writer.WriteAsync(bytes.AsMemory(offset, n));
                offset += n;
                await Task.Yield();
            }

            await pipe.Writer.CompleteAsync();
        });

        var echoed = new List<byte>();
        while (true)
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            var take = consumeAll || result.IsCompleted ? buffer.Length : random!.Next(0, (int)buffer.Length + 1);
            var consumed = buffer.GetPosition(take);
            echoed.AddRange(buffer.Slice(0, take).ToArray());
            reader.AdvanceTo(consumed, buffer.End);
            if (result.IsCompleted && take == buffer.Length)
            {
                break;
            }
        }

        await reader.CompleteAsync();
        await writing;
        return (sink.Events, echoed.ToArray());
    }

    private sealed class RecordingSink : IHttp2FrameSink
    {
        public List<string> Events { get; } = [];

        public void OnProtocolDetected(SeamProtocol protocol) => Events.Add($"protocol {protocol}");

        public void OnStreamOpened(int streamId) => Events.Add($"opened {streamId}");

        public void OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream) =>
            Events.Add($"{(opensStream ? "headers" : "priority")} {streamId} dep={dependsOn} w={weight} e={exclusive}");

        public void OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue) =>
            Events.Add($"update {prioritizedStreamId} '{Encoding.ASCII.GetString(fieldValue)}'");

        public void OnStreamReset(int streamId) => Events.Add($"reset {streamId}");

        public void OnSetting(ushort id, uint value) => Events.Add($"setting {id}={value}");

        public void OnSettingsEnd() => Events.Add("settings end");
    }
}
