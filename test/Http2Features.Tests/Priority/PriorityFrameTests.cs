using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Priority;

/// <summary>RFC 7540 and RFC 9218 priority signals sent by the raw client over real Kestrel with TLS.</summary>
public class PriorityFrameTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Http2_request_without_signals_has_the_RFC_defaults_when_the_delegate_starts()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/", TestContext.Current.CancellationToken);

        response.BodyText.Should().Be("True|16|0|False|3|False|False");
    }

    [Theory]
    [InlineData(1, 0, false)]
    [InlineData(16, 0, false)]
    [InlineData(256, 0, false)]
    [InlineData(256, 0, true)]
    [InlineData(1, 0, true)]
    public async Task Weight_and_exclusive_from_HEADERS_are_visible(int weight, int dependsOn, bool exclusive)
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var body = await RequestAsync(client, new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(dependsOn, weight, exclusive) });

        body.Should().Be($"True|{weight}|{dependsOn}|{exclusive}|3|False|False");
    }

    [Fact]
    public async Task Two_connections_each_see_their_own_signals_and_find_their_priority_state_without_a_lookup()
    {
        // GetStreamPriority() finds the connection's state from Kestrel's per-connection request objects, checked by
        // connection id: interleaved requests on two connections must never see the other connection's signals.
        await using var app = await PriorityTestApp.StartAsync();
        await using var a = await app.CreateRawClientAsync();
        await using var b = await app.CreateRawClientAsync();

        for (var i = 0; i < 6; i++)
        {
            var onA = await RequestAsync(a, new RawHttp2Request { Path = "/cached", Priority = new Http2PriorityData(0, 10 + i, false) });
            var onB = await RequestAsync(b, new RawHttp2Request { Path = "/cached", Priority = new Http2PriorityData(0, 200 + i, false) });

            onA.Should().Be($"True|{10 + i}|0|False|3|False|False|True");
            onB.Should().Be($"True|{200 + i}|0|False|3|False|False|True");
        }
    }

    [Fact]
    public async Task Dependencies_between_concurrent_streams_are_visible_per_stream()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var first = await client.SendRequestAsync(new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(0, 200, false) }, TestContext.Current.CancellationToken);
        var second = await client.SendRequestAsync(new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(first.StreamId, 100, true) }, TestContext.Current.CancellationToken);
        var third = await client.SendRequestAsync(new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(second.StreamId, 50, false) }, TestContext.Current.CancellationToken);

        (await first.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText.Should().Be("True|200|0|False|3|False|False");
        (await second.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText.Should().Be($"True|100|{first.StreamId}|True|3|False|False");
        (await third.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText.Should().Be($"True|50|{second.StreamId}|False|3|False|False");
    }

    [Fact]
    public async Task PADDED_and_PRIORITY_HEADERS_are_read_past_the_pad_length()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var body = await RequestAsync(client, new RawHttp2Request { Path = "/", PadLength = 33, Priority = new Http2PriorityData(0, 222, true) });

        body.Should().Be("True|222|0|True|3|False|False");
    }

    [Fact]
    public async Task Priority_frame_for_idle_stream_is_visible_when_request_starts()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();
        var streamId = client.NextStreamId;

        await client.SendPriorityAsync(streamId, 0, 77, exclusive: true, TestContext.Current.CancellationToken);
        var body = await RequestAsync(client, new RawHttp2Request { Path = "/" });

        body.Should().Be("True|77|0|True|3|False|False");
    }

    [Fact]
    public async Task Priority_frame_while_the_request_runs_reprioritises_it_and_raises_Changed()
    {
        var started = new TaskCompletionSource<PriorityProbe>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await PriorityTestApp.StartAsync(onLiveStarted: p => started.TrySetResult(p));
        await using var client = await app.CreateRawClientAsync();

        var stream = await client.SendRequestAsync(new RawHttp2Request { Path = "/live", Priority = new Http2PriorityData(0, 10, false) }, TestContext.Current.CancellationToken);
        await started.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        await client.SendPriorityAsync(stream.StreamId, 0, 250, exclusive: true, TestContext.Current.CancellationToken);

        (await stream.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText
            .Should().Be("True|10|0|False|3|False|False => True|250|0|True|3|False|False");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_signal_that_arrives_after_the_first_read_on_a_quiet_connection_shows_on_the_next_read(bool update)
    {
        // No signal on the connection yet when the request first reads its priority, so the feature reports the
        // defaults without entering the stream in the table; a PRIORITY or PRIORITY_UPDATE that arrives later must
        // still show when the request reads again (no Changed handler here).
        var firstRead = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var readAgain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await Http2TestApp.StartAsync(
            a => a.Map("/reread", async (HttpContext context) =>
            {
                var feature = context.GetStreamPriority();
                var before = PriorityTestApp.Describe(feature);
                firstRead.TrySetResult(feature.StreamId);
                await readAgain.Task.WaitAsync(Timeout);
                return before + " => " + PriorityTestApp.Describe(feature);
            }),
            b => b.Services.AddHttp2Features());
        await using var client = await app.CreateRawClientAsync();
        var ct = TestContext.Current.CancellationToken;

        var stream = await client.SendRequestAsync(new RawHttp2Request { Path = "/reread" }, ct);
        (await firstRead.Task.WaitAsync(Timeout, ct)).Should().Be(stream.StreamId);
        if (update)
        {
            await client.SendPriorityUpdateAsync(stream.StreamId, "u=1, i", ct);
        }
        else
        {
            await client.SendPriorityAsync(stream.StreamId, 0, 99, exclusive: false, ct);
        }

        await client.PingAsync(ct); // the server has read the signal once its PING ACK is back
        readAgain.TrySetResult();

        (await stream.ReadResponseAsync(Timeout, ct)).BodyText.Should().Be(update
            ? "True|16|0|False|3|False|False => True|16|0|False|1|True|True"
            : "True|16|0|False|3|False|False => True|99|0|False|3|False|False");
    }

    [Fact]
    public async Task PRIORITY_UPDATE_while_the_request_runs_wins_over_the_header()
    {
        var started = new TaskCompletionSource<PriorityProbe>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await PriorityTestApp.StartAsync(onLiveStarted: p => started.TrySetResult(p));
        await using var client = await app.CreateRawClientAsync();

        var stream = await client.SendRequestAsync(new RawHttp2Request { Path = "/live" }.WithHeader("priority", "u=5"), TestContext.Current.CancellationToken);
        await started.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        await client.SendPriorityUpdateAsync(stream.StreamId, "u=1, i", TestContext.Current.CancellationToken);

        (await stream.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText
            .Should().Be("True|16|0|False|5|False|False => True|16|0|False|1|True|True");
    }

    [Fact]
    public async Task PRIORITY_UPDATE_before_the_request_wins_over_its_header()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        await client.SendPriorityUpdateAsync(client.NextStreamId, "u=0", TestContext.Current.CancellationToken);
        var body = await RequestAsync(client, new RawHttp2Request { Path = "/" }.WithHeader("priority", "u=6, i"));

        body.Should().Be("True|16|0|False|0|False|True");
    }

    [Fact]
    public async Task Unparseable_PRIORITY_UPDATE_is_ignored_and_the_header_stands()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        await client.SendPriorityUpdateAsync(client.NextStreamId, "u=1,", TestContext.Current.CancellationToken);
        var body = await RequestAsync(client, new RawHttp2Request { Path = "/" }.WithHeader("priority", "u=6, i"));

        body.Should().Be("True|16|0|False|6|True|False");
    }

    [Theory]
    [InlineData("u=0", "0|False")]
    [InlineData("u=7, i", "7|True")]
    [InlineData("i", "3|True")]
    [InlineData("u=9", "3|False")]
    [InlineData("u=1, i=2", "1|False")]
    [InlineData("u=1,,i", "3|False")]
    [InlineData("garbage!", "3|False")]
    public async Task Priority_header_over_HTTP2_gives_urgency_and_incremental(string header, string expected)
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var body = await RequestAsync(client, new RawHttp2Request { Path = "/" }.WithHeader("priority", header));

        body.Should().Be($"True|16|0|False|{expected}|False");
    }

    [Theory]
    [InlineData("u=2, i", "2|True")]
    [InlineData("u=-1", "3|False")]
    public async Task Priority_header_over_HTTP_1_1_gives_urgency_without_HTTP2_fields(string header, string expected)
    {
        await using var app = await PriorityTestApp.StartAsync();
        using var client = app.CreateHttp11Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("priority", header);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Be($"False|-|-|-|{expected}|False");
    }

    [Fact]
    public async Task Frames_delivered_one_byte_per_TLS_record_are_observed()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions { ChunkWrites = 1 });
        var streamId = client.NextStreamId;

        await client.SendPriorityAsync(streamId + 2, 0, 99, exclusive: false, TestContext.Current.CancellationToken);
        await client.SendPriorityUpdateAsync(streamId, "u=2", TestContext.Current.CancellationToken);
        var first = await RequestAsync(client, new RawHttp2Request { Path = "/", PadLength = 3, Priority = new Http2PriorityData(0, 180, true) });
        var second = await RequestAsync(client, new RawHttp2Request { Path = "/" });

        first.Should().Be("True|180|0|True|2|False|True");
        second.Should().Be("True|99|0|False|3|False|False");
    }

    [Fact]
    public async Task Frames_split_across_reads_in_odd_chunks_are_observed()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions { ChunkWrites = 7 });

        var body = await RequestAsync(client, new RawHttp2Request { Path = "/", PadLength = 5, Priority = new Http2PriorityData(0, 3, false) });

        body.Should().Be("True|3|0|False|3|False|False");
    }

    [Fact]
    public async Task Cleartext_h2c_requests_carry_priority()
    {
        await using var app = await PriorityTestApp.StartAsync(tls: false);
        await using var client = await app.CreateRawClientAsync();

        var body = await RequestAsync(client, new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(0, 64, true) }.WithHeader("priority", "u=1"));

        body.Should().Be("True|64|0|True|1|False|False");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Stream_depending_on_itself_gets_Kestrels_PROTOCOL_ERROR_with_or_without_the_pack(bool addPack)
    {
        await using var app = await PriorityTestApp.StartAsync(addPack: addPack);
        await using var client = await app.CreateRawClientAsync();
        var streamId = client.NextStreamId;

        await client.SendPriorityAsync(streamId, streamId, 16, exclusive: false, TestContext.Current.CancellationToken);
        var goAway = await client.WaitForGoAwayAsync(Timeout);

        goAway.ErrorCode.Should().Be(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task Kestrel_ignores_PRIORITY_UPDATE_frames_without_the_pack()
    {
        // Pins the Kestrel behaviour the seam relies on: an unknown frame type (0x10) is skipped.
        await using var app = await PriorityTestApp.StartAsync(addPack: false);
        await using var client = await app.CreateRawClientAsync();

        await client.SendPriorityUpdateAsync(client.NextStreamId, "u=1", TestContext.Current.CancellationToken);
        var response = await client.GetAsync("/", TestContext.Current.CancellationToken);

        response.Status.Should().Be(200);
        response.BodyText.Should().Be("False|-|-|-|3|False|False", "without the seam there is no HTTP/2 priority data");
    }

    [Fact]
    public async Task Million_PRIORITY_frames_for_idle_streams_leave_memory_flat_and_the_connection_serving()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();
        const int Frames = 1_000_000;
        const int FramesPerWrite = 20_000;

        var batch = new byte[FramesPerWrite * 14];
        for (var sent = 0; sent < Frames; sent += FramesPerWrite)
        {
            for (var i = 0; i < FramesPerWrite; i++)
            {
                var streamId = 101 + (2 * (sent + i));
                var frame = batch.AsSpan(i * 14, 14);
                frame[..3].Clear();
                frame[2] = 5;
                frame[3] = 0x2;
                frame[4] = 0;
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame[5..], streamId);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame[9..], 0);
                frame[13] = 31;
            }

            await client.WriteRawAsync(batch, TestContext.Current.CancellationToken);
        }

        var table = (await client.GetAsync("/table", TestContext.Current.CancellationToken)).BodyText.Split('/');
        var response = await RequestAsync(client, new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(0, 5, false) });

        int.Parse(table[0], System.Globalization.CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(int.Parse(table[1], System.Globalization.CultureInfo.InvariantCulture));
        int.Parse(table[1], System.Globalization.CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(8 * 100, "bounded by a small multiple of MaxStreamsPerConnection");
        long.Parse(table[2], System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(Frames, "every frame was observed");
        response.Should().Be("True|5|0|False|3|False|False");
    }

    private static async Task<string> RequestAsync(RawHttp2Client client, RawHttp2Request request)
    {
        var stream = await client.SendRequestAsync(request, TestContext.Current.CancellationToken);
        var response = await stream.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken);
        response.Status.Should().Be(200, response.ToString());
        return response.BodyText;
    }
}
