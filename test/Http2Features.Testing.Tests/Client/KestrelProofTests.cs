using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Testing.Tests.Client;

/// <summary>The raw client against Kestrel itself: concurrency, flow control, CONTINUATION, trailers, resets, GOAWAY.</summary>
public class KestrelProofTests
{
    private const int TenMegabytes = 10 * 1024 * 1024;

    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 31 + (i >> 8));
        }

        return data;
    }

    private static readonly byte[] s_bigBody = Pattern(TenMegabytes);

    [Fact]
    public async Task Fifty_concurrent_streams_on_one_connection_are_all_in_flight_at_once()
    {
        const int count = 50;
        var active = 0;
        var allActive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/n/{i:int}", async (int i) =>
        {
            // Every handler waits until all 50 requests are being served at the same time: proof of real multiplexing.
            if (Interlocked.Increment(ref active) == count)
            {
                allActive.TrySetResult();
            }

            await allActive.Task.WaitAsync(TimeSpan.FromSeconds(20));
            return "stream-" + i.ToString(CultureInfo.InvariantCulture);
        }));
        await using var client = await app.CreateRawClientAsync();

        var streams = new List<RawHttp2Stream>();
        for (var i = 0; i < count; i++)
        {
            streams.Add(await client.SendRequestAsync(new RawHttp2Request("GET", "/n/" + i.ToString(CultureInfo.InvariantCulture))));
        }

        var responses = await Task.WhenAll(streams.Select(s => s.ReadResponseAsync(TimeSpan.FromSeconds(30))));

        responses.Select(r => r.StreamId).Should().Equal(Enumerable.Range(0, count).Select(i => 1 + (2 * i)));
        for (var i = 0; i < count; i++)
        {
            responses[i].Should().HaveStatus(200).And.HaveBody("stream-" + i.ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Ten_megabyte_response_completes_through_flow_control()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/big", async (HttpContext ctx) =>
        {
            ctx.Response.ContentLength = s_bigBody.Length;
            await ctx.Response.Body.WriteAsync(s_bigBody);
        }));
        await using var client = await app.CreateRawClientAsync();

        var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/big"));
        var response = await stream.ReadResponseAsync(TimeSpan.FromSeconds(60));

        response.Should().HaveStatus(200).And.HaveCompleted();
        response.Body.Length.Should().Be(TenMegabytes);
        SHA256.HashData(response.Body).Should().Equal(SHA256.HashData(s_bigBody));
        response.DataFrameCount.Should().BeGreaterThanOrEqualTo(TenMegabytes / 16384, "Kestrel's frames are at most SETTINGS_MAX_FRAME_SIZE 16384");
        var sentWindowUpdates = client.FrameLog.Where(f => f.Direction == FrameDirection.Sent && f.Type == Http2FrameType.WindowUpdate).ToList();
        sentWindowUpdates.Should().Contain(f => f.StreamId == 0, "10 MB exceeds the 64 KiB connection window many times over");
        sentWindowUpdates.Should().Contain(f => f.StreamId == stream.StreamId);
    }

    [Fact]
    public async Task Twenty_kilobyte_response_headers_arrive_as_HEADERS_plus_CONTINUATION()
    {
        var big = new string('h', 20 * 1024);
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/big-headers", (HttpContext ctx) =>
        {
            ctx.Response.Headers["x-big"] = big;
            return "small body";
        }));
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/big-headers");

        response.Should().HaveStatus(200).And.HaveHeader("x-big", big).And.HaveBody("small body");
        var frames = client.FrameLog.Where(f => f.Direction == FrameDirection.Received && f.StreamId == response.StreamId).ToList();
        frames[0].Type.Should().Be(Http2FrameType.Headers);
        (frames[0].Flags & Http2FrameFlags.EndHeaders).Should().Be(0, "a 20 KB block does not fit one 16 KB frame");
        frames[1].Type.Should().Be(Http2FrameType.Continuation);
        frames.Single(f => (f.Flags & Http2FrameFlags.EndHeaders) != 0).Type.Should().Be(Http2FrameType.Continuation);
    }

    [Fact]
    public async Task Trailers_follow_the_DATA_frames_in_a_final_HEADERS_with_END_STREAM()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/grpc-like", async (HttpContext ctx) =>
        {
            ctx.Response.DeclareTrailer("grpc-status");
            await ctx.Response.WriteAsync("payload");
            ctx.Response.AppendTrailer("grpc-status", "0");
        }));
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/grpc-like");

        response.Should().HaveStatus(200).And.HaveHeader("trailer", "grpc-status").And.HaveTrailer("grpc-status", "0").And.HaveBody("payload");
        var frames = client.FrameLog.Where(f => f.Direction == FrameDirection.Received && f.StreamId == response.StreamId).ToList();
        frames.Last().Type.Should().Be(Http2FrameType.Headers);
        frames.Last().EndStream.Should().BeTrue();
        frames.Should().Contain(f => f.Type == Http2FrameType.Data);
    }

    [Fact]
    public async Task Oversized_frame_provokes_GOAWAY_FRAME_SIZE_ERROR()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "x"));
        await using var client = await app.CreateRawClientAsync();

        // 16385 bytes > Kestrel's SETTINGS_MAX_FRAME_SIZE 16384.
        await client.WriteFrameAsync((byte)Http2FrameType.Data, 0, 1, new byte[16385]);
        var goAway = await client.WaitForGoAwayAsync(TimeSpan.FromSeconds(10));

        goAway.ErrorCode.Should().Be(Http2ErrorCode.FrameSizeError);
        client.Should().HaveReceivedGoAway(Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task PRIORITY_frame_depending_on_itself_is_a_connection_error_in_Kestrel()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "x"));
        await using var client = await app.CreateRawClientAsync();
        var payload = new byte[5];
        BinaryPrimitives.WriteInt32BigEndian(payload, 3);
        payload[4] = 15;

        await client.WriteFrameAsync((byte)Http2FrameType.Priority, 0, 3, payload);

        var goAway = await client.WaitForGoAwayAsync(TimeSpan.FromSeconds(10));

        goAway.ErrorCode.Should().Be(Http2ErrorCode.ProtocolError, "Kestrel validates the dependency of a PRIORITY frame before dropping it");
        goAway.LastStreamId.Should().Be(0);
    }

    [Fact]
    public async Task One_byte_per_TLS_record_is_still_a_valid_connection()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "chunked writes"));
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions { ChunkWrites = 1 });

        var response = await client.GetAsync("/");

        response.Should().HaveStatus(200).And.HaveBody("chunked writes");
    }

    [Fact]
    public async Task Header_table_size_zero_keeps_both_dynamic_tables_empty()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "no indexing"));
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions
        {
            ClientSettings = new Http2Settings { EnablePush = 0, HeaderTableSize = 0 },
        });

        for (var i = 0; i < 3; i++)
        {
            (await client.GetAsync("/")).Should().HaveStatus(200).And.HaveBody("no indexing");
        }

        client.Decoder.DynamicTableSize.Should().Be(0);
        client.Decoder.TableSizeUpdatesSeen.Should().BeGreaterThan(0, "Kestrel acknowledges the smaller table with a size update");
    }

    [Fact]
    public async Task Without_window_updates_the_server_stops_at_the_window_and_resumes_when_opened()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/200k", async (HttpContext ctx) =>
            await ctx.Response.Body.WriteAsync(Pattern(200_000))));
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions { AutoWindowUpdate = false });

        var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/200k"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (stream.Snapshot().Body.Length < 65535 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        // A PING round trip after the window is used up: anything the server had queued would have arrived before the ACK.
        await client.PingAsync();
        stream.Snapshot().Body.Length.Should().Be(65535, "the connection window is the protocol default 65,535 bytes");
        stream.IsCompleted.Should().BeFalse();

        await client.SendWindowUpdateAsync(0, 1_000_000);
        await client.SendWindowUpdateAsync(stream.StreamId, 1_000_000);
        var response = await stream.ReadResponseAsync();

        response.Body.Should().Equal(Pattern(200_000));
    }

    [Fact]
    public async Task Small_client_stream_window_still_completes_with_automatic_window_updates()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/100k", async (HttpContext ctx) =>
            await ctx.Response.Body.WriteAsync(Pattern(100_000))));
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions
        {
            ClientSettings = new Http2Settings { EnablePush = 0, InitialWindowSize = 1000 },
        });

        var response = await client.GetAsync("/100k");

        response.Body.Should().Equal(Pattern(100_000));
        response.DataFrameCount.Should().BeGreaterThanOrEqualTo(100, "no DATA frame may exceed the 1000-byte stream window");
    }

    [Fact]
    public async Task Client_RST_STREAM_cancels_the_request_on_the_server()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/wait", async (HttpContext ctx) =>
        {
            ctx.RequestAborted.Register(() => aborted.TrySetResult());
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        }));
        await using var client = await app.CreateRawClientAsync();
        var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/wait"));

        await stream.SendRstStreamAsync(Http2ErrorCode.Cancel);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var response = await stream.ReadResponseAsync();

        response.ResetCode.Should().Be(Http2ErrorCode.Cancel);
        stream.ResetByClient.Should().BeTrue();
        (await client.GetAsync("/wait-not-mapped")).Should().HaveStatus(404, "the connection is still usable");
    }

    [Fact]
    public async Task PRIORITY_UPDATE_and_idle_stream_PRIORITY_are_accepted_by_Kestrel()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", () => "ok"));
        await using var client = await app.CreateRawClientAsync();

        await client.SendPriorityAsync(11, 0, 200, exclusive: true);
        await client.SendPriorityUpdateAsync(1, "u=0, i");
        var response = await client.GetAsync("/");

        response.Should().HaveStatus(200);
        client.GoAway.Should().BeNull();
        client.FrameLog.Where(f => f.Direction == FrameDirection.Sent).Select(f => f.Type)
            .Should().ContainInOrder(Http2FrameType.Priority, Http2FrameType.PriorityUpdate, Http2FrameType.Headers);
    }
}
