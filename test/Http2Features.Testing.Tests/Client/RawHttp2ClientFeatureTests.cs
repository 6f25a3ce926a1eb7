using System.Globalization;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Testing.Tests.Client;

public class RawHttp2ClientFeatureTests
{
    [Fact]
    public async Task Request_trailers_reach_the_app_after_the_body()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapPost("/upload", async (HttpContext ctx) =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            return body + "|" + (ctx.Request.CheckTrailersAvailable() ? ctx.Request.GetTrailer("x-digest").ToString() : "no trailers");
        }));
        await using var client = await app.CreateRawClientAsync();
        var request = new RawHttp2Request("POST", "/upload") { Body = "abc"u8.ToArray() };
        request.Trailers.Add(new("X-Digest", "sha-256=xyz"));

        var stream = await client.SendRequestAsync(request);
        var response = await stream.ReadResponseAsync();

        response.Should().HaveStatus(200).And.HaveBody("abc|sha-256=xyz");
        var sent = client.FrameLog.Where(f => f.Direction == FrameDirection.Sent && f.StreamId == stream.StreamId).ToList();
        sent.Select(f => f.Type).Should().Equal(Http2FrameType.Headers, Http2FrameType.Data, Http2FrameType.Headers);
        sent.Select(f => f.EndStream).Should().Equal(false, false, true);
    }

    [Fact]
    public async Task Frame_sequences_order_streams_by_when_the_server_served_them()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await Http2TestApp.StartAsync(a =>
        {
            a.MapGet("/held", async () =>
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
                return "held";
            });
            a.MapGet("/quick", () => "quick");
        });
        await using var client = await app.CreateRawClientAsync();

        var held = await client.SendRequestAsync(new RawHttp2Request("GET", "/held"));
        var quick = await (await client.SendRequestAsync(new RawHttp2Request("GET", "/quick"))).ReadResponseAsync();
        release.SetResult();
        var heldResponse = await held.ReadResponseAsync();

        quick.EndFrameSequence.Should().BeLessThan(heldResponse.HeadersFrameSequence, "stream 3 completed before stream 1 even started its response");
        quick.FirstDataFrameSequence.Should().BeGreaterThan(quick.HeadersFrameSequence);
        heldResponse.EndFrameSequence.Should().BeGreaterThanOrEqualTo(heldResponse.FirstDataFrameSequence);
    }

    [Fact]
    public async Task Large_initial_windows_let_a_response_through_without_any_further_WINDOW_UPDATE()
    {
        const int size = 500_000;
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/half-mb", async (HttpContext ctx) =>
            await ctx.Response.Body.WriteAsync(new byte[size])));
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions
        {
            AutoWindowUpdate = false,
            ConnectionWindowSize = 1 << 20,
            ClientSettings = new Http2Settings { EnablePush = 0, InitialWindowSize = 1 << 20 },
        });

        var response = await client.GetAsync("/half-mb");

        response.Body.Length.Should().Be(size);
        client.FrameLog.Where(f => f.Direction == FrameDirection.Sent && f.Type == Http2FrameType.WindowUpdate)
            .Should().ContainSingle().Which.Detail.Should().Be("increment=" + ((1 << 20) - 65535).ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Cleartext_app_serves_h2c_to_HttpClient_and_the_raw_client()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", (HttpContext c) => c.Request.Protocol + " " + c.Request.Scheme),
            options: new Http2TestAppOptions { Tls = false });
        await using var raw = await app.CreateRawClientAsync();

        var viaHttpClient = await app.CreateHttp2Client().GetStringAsync("/");
        var viaRaw = await raw.GetAsync("/");

        app.UsesTls.Should().BeFalse();
        viaHttpClient.Should().Be("HTTP/2 http");
        viaRaw.Should().HaveBody("HTTP/2 http");
    }

    [Fact]
    public async Task Raw_HEADERS_written_by_the_test_are_tracked_as_a_stream()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/raw", () => "raw ok"));
        await using var client = await app.CreateRawClientAsync();
        var encoder = new HpackEncoder { UseDynamicTable = false };
        var block = encoder.Encode([new(":method", "GET"), new(":scheme", "https"), new(":authority", app.BaseAddress.Authority), new(":path", "/raw")]);

        await client.WriteFrameAsync((byte)Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 7, block);
        var response = await client.GetStream(7)!.ReadResponseAsync();

        response.Should().HaveStatus(200).And.HaveBody("raw ok");
        client.NextStreamId.Should().Be(9);
    }

    [Fact]
    public async Task Encoder_indexes_repeated_request_headers_so_later_blocks_shrink()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/", (HttpContext c) => c.Request.Headers["x-token"].ToString()));
        await using var client = await app.CreateRawClientAsync();
        var token = new string('t', 200);

        for (var i = 0; i < 2; i++)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/").WithHeader("x-token", token));
            (await stream.ReadResponseAsync()).Should().HaveBody(token);
        }

        var headers = client.FrameLog.Where(f => f.Direction == FrameDirection.Sent && f.Type == Http2FrameType.Headers).ToList();
        headers[1].Length.Should().BeLessThan(10, "every field of the second request is an index into the dynamic table");
        headers[0].Length.Should().BeGreaterThan(100);
    }

    [Fact]
    public async Task Server_header_table_size_zero_makes_the_encoder_stop_indexing()
    {
        await using var app = await Http2TestApp.StartAsync(
            a => a.MapGet("/", (HttpContext c) => c.Request.Headers["x-token"].ToString()),
            b => b.WebHost.ConfigureKestrel(k => k.Limits.Http2.HeaderTableSize = 0));
        await using var client = await app.CreateRawClientAsync();

        for (var i = 0; i < 3; i++)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/").WithHeader("x-token", "abc" + i.ToString(CultureInfo.InvariantCulture)));
            (await stream.ReadResponseAsync()).Should().HaveBody("abc" + i.ToString(CultureInfo.InvariantCulture));
        }

        client.ServerSettings.HeaderTableSize.Should().Be(0u);
        client.GoAway.Should().BeNull("an indexed field would have been a COMPRESSION_ERROR");
    }
}
