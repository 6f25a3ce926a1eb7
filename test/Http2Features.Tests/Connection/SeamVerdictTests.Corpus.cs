using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Connection;

/// <summary>
/// The verdict corpus: malformed and hostile connections, each sent once to bare Kestrel and once to Kestrel with
/// the pack, must end the same way — the same GOAWAY code, the same RST_STREAM codes, or the connection still
/// answering a PING. Two servers are shared by every case (one connection per case and server).
/// </summary>
public partial class SeamVerdictTests : IClassFixture<SeamVerdictTests.Servers>
{
    private readonly Servers _servers;

    public SeamVerdictTests(Servers servers) => _servers = servers;

    public static TheoryData<string> Corpus => new(Cases.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Corpus_case_gets_the_same_verdict_with_and_without_the_pack(string kind)
    {
        var without = await VerdictAsync(_servers.Bare, Cases[kind]);
        var with = await VerdictAsync(_servers.WithPack, Cases[kind]);
        TestContext.Current.TestOutputHelper?.WriteLine($"{kind}: {without}");

        with.Should().Be(without, $"the seam must not change Kestrel's verdict on {kind}");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Corpus_case_gets_the_same_verdict_with_response_scheduling_and_admission_on(string kind)
    {
        // Scheduling wraps every response body and admission every request: neither may change how Kestrel
        // treats hostile or malformed input.
        var without = await VerdictAsync(_servers.Bare, Cases[kind]);
        var with = await VerdictAsync(_servers.WithScheduling, Cases[kind]);

        with.Should().Be(without, $"response scheduling and admission must not change Kestrel's verdict on {kind}");
    }

    [Theory]
    [InlineData("headers-on-stream-0", "GOAWAY ProtocolError")]
    [InlineData("ping-flood", "alive")]
    [InlineData("settings-flood", "alive")]
    [InlineData("headers-padded-pad-equals-payload", "GOAWAY ProtocolError")]
    [InlineData("headers-missing-method", "RST 1 ProtocolError; alive")]
    public async Task Pinned_Kestrel_verdicts_for_representative_cases(string kind, string expected)
    {
        // Pins Kestrel's own reaction (not a contract) so the equality test above keeps comparing real, different
        // verdicts (a GOAWAY, a stream reset, a surviving connection) rather than, say, every case timing out alike.
        (await VerdictAsync(_servers.Bare, Cases[kind])).Should().StartWith(expected);
    }

    private static readonly Dictionary<string, Func<RawHttp2Client, CancellationToken, Task>> Cases = new()
    {
        ["truncated-settings"] = (c, ct) => c.WriteFrameAsync(0x4, 0, 0, new byte[7], ct),
        ["priority-update-then-self-dependency"] = async (c, ct) =>
        {
            await c.SendPriorityUpdateAsync(1, "u=1", ct);
            await c.SendPriorityAsync(3, 3, 16, false, ct);
        },
        ["truncated-priority-in-headers"] = (c, ct) => c.WriteFrameAsync(0x1, 0x4 | 0x20, 1, new byte[] { 0, 0, 0 }, ct),
        ["truncated-rst-stream"] = (c, ct) => c.WriteFrameAsync(0x3, 0, 1, new byte[] { 0, 0 }, ct),
        ["truncated-window-update"] = (c, ct) => c.WriteFrameAsync(0x8, 0, 0, new byte[] { 0, 0, 1 }, ct),
        ["truncated-ping"] = (c, ct) => c.WriteFrameAsync(0x6, 0, 0, new byte[7], ct),
        ["oversize-data"] = (c, ct) => c.WriteFrameAsync(0x0, 0, 1, new byte[20000], ct),
        ["oversize-length-header-only"] = (c, ct) => c.WriteRawAsync(FrameHeader(0xFFFFFF, 0x1, 0x4, 1), ct),
        ["oversize-priority-update"] = (c, ct) => c.WriteFrameAsync(0x10, 0, 0, new byte[20000], ct),
        ["oversize-settings"] = (c, ct) => c.WriteFrameAsync(0x4, 0, 0, new byte[16386], ct),
        ["headers-padded-pad-equals-payload"] = (c, ct) => c.WriteFrameAsync(0x1, 0x4 | 0x8, 1, new byte[] { 3, 0x82, 0x87 }, ct),
        ["headers-padded-pad-exceeds-payload"] = (c, ct) => c.WriteFrameAsync(0x1, 0x4 | 0x8, 1, new byte[] { 200, 0x82 }, ct),
        ["headers-padded-priority-pad-too-long"] = (c, ct) => c.WriteFrameAsync(0x1, 0x4 | 0x8 | 0x20, 1, new byte[] { 2, 0, 0, 0, 0, 15, 0x82 }, ct),
        ["data-padded-pad-exceeds-payload"] = async (c, ct) =>
        {
            await c.WriteFrameAsync(0x1, 0x4, 1, RequestBlock(), ct);
            await c.WriteFrameAsync(0x0, 0x8, 1, new byte[] { 9, 1, 2 }, ct);
        },
        ["priority-length-4"] = (c, ct) => c.WriteFrameAsync(0x2, 0, 1, new byte[4], ct),
        ["priority-length-6"] = (c, ct) => c.WriteFrameAsync(0x2, 0, 1, new byte[6], ct),
        ["priority-on-stream-0"] = (c, ct) => c.WriteFrameAsync(0x2, 0, 0, new byte[5], ct),
        ["priority-self-dependency"] = (c, ct) => c.SendPriorityAsync(5, 5, 16, false, ct),
        ["priority-self-dependency-exclusive"] = (c, ct) => c.SendPriorityAsync(7, 7, 256, true, ct),
        ["headers-self-dependency"] = (c, ct) => c.WriteFrameAsync(0x1, 0x5 | 0x20, 1, (byte[])[.. PriorityFields(1, 16), .. RequestBlock()], ct),
        ["headers-on-stream-0"] = (c, ct) => c.WriteFrameAsync(0x1, 0x5, 0, RequestBlock(), ct),
        ["headers-on-even-stream"] = (c, ct) => c.WriteFrameAsync(0x1, 0x5, 2, RequestBlock(), ct),
        ["headers-stream-id-decreasing"] = async (c, ct) =>
        {
            await c.WriteFrameAsync(0x1, 0x5, 5, RequestBlock(), ct);
            await c.WriteFrameAsync(0x1, 0x5, 3, RequestBlock(), ct);
        },
        ["headers-missing-method"] = (c, ct) => c.WriteFrameAsync(0x1, 0x5, 1, RequestBlock(method: false), ct),
        ["continuation-without-headers"] = (c, ct) => c.WriteFrameAsync(0x9, 0x4, 1, new byte[] { 0x82 }, ct),
        ["continuation-flood-empty"] = (c, ct) => c.WriteRawAsync(ContinuationFlood(10_000, fieldBytes: 0), ct),
        ["continuation-flood-large-fields"] = (c, ct) => c.WriteRawAsync(ContinuationFlood(200, fieldBytes: 1000), ct),
        ["headers-interrupted-by-ping"] = async (c, ct) =>
        {
            await c.WriteFrameAsync(0x1, 0x1, 1, RequestBlock(), ct);
            await c.WriteFrameAsync(0x6, 0, 0, new byte[8], ct);
        },
        ["settings-flood"] = (c, ct) => c.WriteRawAsync(Repeat(Frame(0x4, 0, 0, []), 10_000), ct),
        ["settings-on-stream-1"] = (c, ct) => c.WriteFrameAsync(0x4, 0, 1, new byte[6], ct),
        ["settings-ack-with-payload"] = (c, ct) => c.WriteFrameAsync(0x4, 0x1, 0, new byte[6], ct),
        ["settings-enable-push-2"] = (c, ct) => c.WriteFrameAsync(0x4, 0, 0, Setting(0x2, 2), ct),
        ["settings-window-too-large"] = (c, ct) => c.WriteFrameAsync(0x4, 0, 0, Setting(0x4, 0x8000_0000), ct),
        ["settings-max-frame-too-small"] = (c, ct) => c.WriteFrameAsync(0x4, 0, 0, Setting(0x5, 100), ct),
        ["ping-flood"] = (c, ct) => c.WriteRawAsync(Repeat(Frame(0x6, 0, 0, new byte[8]), 10_000), ct),
        ["ping-on-stream-1"] = (c, ct) => c.WriteFrameAsync(0x6, 0, 1, new byte[8], ct),
        ["window-update-zero"] = (c, ct) => c.WriteFrameAsync(0x8, 0, 0, new byte[4], ct),
        ["rst-stream-idle"] = (c, ct) => c.WriteFrameAsync(0x3, 0, 9, new byte[4], ct),
        ["priority-update-on-stream-1"] = (c, ct) => c.WriteFrameAsync(0x10, 0, 1, new byte[] { 0, 0, 0, 1, (byte)'u', (byte)'=', (byte)'1' }, ct),
        ["priority-update-flood-idle-streams"] = (c, ct) => c.WriteRawAsync(PriorityUpdateFlood(10_000), ct),
        ["unknown-frame-type-large"] = (c, ct) => c.WriteFrameAsync(0xFA, 0xFF, 1, new byte[16384], ct),
    };

    private static async Task<string> VerdictAsync(Http2TestApp app, Func<RawHttp2Client, CancellationToken, Task> send)
    {
        await using var client = await app.CreateRawClientAsync();
        var ct = TestContext.Current.CancellationToken;
        var alive = false;
        try
        {
            await send(client, ct);
            await client.PingAsync(ct).WaitAsync(TimeSpan.FromSeconds(20), ct);
            alive = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The server ended the connection (the write or the PING failed): the GOAWAY says how.
        }

        var resets = string.Concat(client.ReceivedFrames
            .Where(f => f.Type == Http2FrameType.RstStream)
            .Select(f => string.Create(CultureInfo.InvariantCulture, $"RST {f.StreamId} {f.Detail}; ")));
        if (alive)
        {
            return resets + "alive";
        }

        try
        {
            var goAway = await client.WaitForGoAwayAsync(TimeSpan.FromSeconds(10));
            return "GOAWAY " + goAway.ErrorCode + "; " + resets;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return resets + "closed without GOAWAY";
        }
    }

    private static byte[] FrameHeader(int length, byte type, byte flags, int streamId)
    {
        var header = new byte[9];
        header[0] = (byte)(length >> 16);
        header[1] = (byte)(length >> 8);
        header[2] = (byte)length;
        header[3] = type;
        header[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(5), streamId);
        return header;
    }

    private static byte[] Frame(byte type, byte flags, int streamId, byte[] payload) =>
        [.. FrameHeader(payload.Length, type, flags, streamId), .. payload];

    private static byte[] Repeat(byte[] frame, int count)
    {
        var bytes = new byte[frame.Length * count];
        for (var i = 0; i < count; i++)
        {
            frame.CopyTo(bytes, i * frame.Length);
        }

        return bytes;
    }

    private static byte[] Setting(ushort id, uint value)
    {
        var entry = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(entry, id);
        BinaryPrimitives.WriteUInt32BigEndian(entry.AsSpan(2), value);
        return entry;
    }

    private static byte[] PriorityFields(int dependsOn, int weight)
    {
        var fields = new byte[5];
        BinaryPrimitives.WriteInt32BigEndian(fields, dependsOn);
        fields[4] = (byte)(weight - 1);
        return fields;
    }

    /// <summary>GET https://127.0.0.1/ as HPACK: static :method GET, :scheme https, :path /, literal :authority.</summary>
    private static byte[] RequestBlock(bool method = true) =>
        [.. method ? new byte[] { 0x82 } : [], 0x87, 0x84, 0x01, 9, .. "127.0.0.1"u8];

    private static byte[] ContinuationFlood(int frames, int fieldBytes)
    {
        var bytes = new List<byte>(Frame(0x1, 0x1, 1, RequestBlock()));
        byte[] field = [];
        if (fieldBytes > 0)
        {
            // Literal without indexing, new name "x-a", a value of fieldBytes (HPACK integer with 7-bit prefix).
            var value = new List<byte> { 0x00, 3, (byte)'x', (byte)'-', (byte)'a', 0x7F };
            var rest = fieldBytes - 127;
            while (rest >= 128)
            {
                value.Add((byte)((rest & 0x7F) | 0x80));
                rest >>= 7;
            }

            value.Add((byte)rest);
            value.AddRange(Encoding.ASCII.GetBytes(new string('a', fieldBytes)));
            field = [.. value];
        }

        for (var i = 0; i < frames; i++)
        {
            bytes.AddRange(Frame(0x9, 0, 1, field));
        }

        return [.. bytes];
    }

    private static byte[] PriorityUpdateFlood(int frames)
    {
        var bytes = new List<byte>(frames * 20);
        for (var i = 0; i < frames; i++)
        {
            var payload = new byte[4 + 6];
            BinaryPrimitives.WriteInt32BigEndian(payload, 1001 + (2 * i));
            "u=1, i"u8.CopyTo(payload.AsSpan(4));
            bytes.AddRange(Frame(0x10, 0, 0, payload));
        }

        return [.. bytes];
    }

    /// <summary>Bare Kestrel and Kestrel with the pack, started once for the whole corpus.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        public Http2TestApp Bare { get; private set; } = null!;

        public Http2TestApp WithPack { get; private set; } = null!;

        public Http2TestApp WithScheduling { get; private set; } = null!;

        // Reading the whole request body first keeps the verdict free of a race: answering early makes
        // Kestrel reset a stream whose body is still open (RST NO_ERROR) only if it wins against the bad frame.
        private static async Task DrainThenAnswer(HttpContext context)
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            await context.Response.WriteAsync("ok", context.RequestAborted);
        }

        public async ValueTask InitializeAsync()
        {
            Bare = await Http2TestApp.StartAsync(a => a.Run(DrainThenAnswer), _ => { });
            WithPack = await Http2TestApp.StartAsync(a => a.Run(DrainThenAnswer), b => b.Services.AddHttp2Features());
            WithScheduling = await Http2TestApp.StartAsync(a => a.Run(DrainThenAnswer), b => b.Services.AddHttp2Features(o =>
            {
                o.Priority.Scheduling.Enabled = true;
                o.Priority.Admission.Enabled = true;
            }));
        }

        public async ValueTask DisposeAsync()
        {
            await Bare.DisposeAsync();
            await WithPack.DisposeAsync();
            await WithScheduling.DisposeAsync();
        }
    }
}
