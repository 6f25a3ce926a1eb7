using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Http2Features.Testing.Tests.Client;

public class RawHttp2ClientTests
{
    private static Task<Http2TestApp> StartAppAsync(Http2TestAppOptions? options = null) => Http2TestApp.StartAsync(app =>
    {
        app.MapGet("/", () => "hello h2");
        app.MapGet("/headers", (HttpContext ctx) => string.Join(";", ctx.Request.Headers
            .Where(h => h.Key.StartsWith("x-", StringComparison.Ordinal)).Select(h => h.Key + "=" + h.Value)));
        app.MapGet("/protocol", (HttpContext ctx) => ctx.Request.Protocol);
        app.MapGet("/trailers", async (HttpContext ctx) =>
        {
            ctx.Response.DeclareTrailer("grpc-status");
            await ctx.Response.WriteAsync("body");
            ctx.Response.AppendTrailer("grpc-status", "0");
            ctx.Response.AppendTrailer("grpc-message", "fine");
        });
        app.MapGet("/reset", (HttpContext ctx) =>
        {
            ctx.Features.Get<IHttpResetFeature>()!.Reset((int)Http2ErrorCode.EnhanceYourCalm);
            return Task.CompletedTask;
        });
        app.MapPost("/echo", async (HttpContext ctx) =>
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            ctx.Response.Headers["x-received-length"] = ms.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ctx.Response.Body.WriteAsync(ms.ToArray());
        });
    }, options: options);

    [Fact]
    public async Task Tls_connection_negotiates_h2_and_receives_server_settings()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();

        client.NegotiatedProtocol.Should().Be("h2");
        client.ServerSettings.InitialWindowSize.Should().Be(768u * 1024, "Kestrel advertises its default InitialStreamWindowSize");
        client.ServerSettings.MaxHeaderListSize.Should().Be(32u * 1024, "Kestrel advertises MaxRequestHeadersTotalSize");
        client.ServerSettings.MaxConcurrentStreams.Should().Be(100u);
        var response = await client.GetAsync("/");

        response.Status.Should().Be(200);
        response.BodyText.Should().Be("hello h2");
        response.Headers["content-type"].Should().StartWith("text/plain");
        await client.WaitForSettingsAckAsync();
        client.FrameLog.Should().Contain(f => f.Direction == FrameDirection.Received && f.Type == Http2FrameType.Settings && f.Flags == Http2FrameFlags.Ack);
    }

    [Fact]
    public async Task Cleartext_connection_uses_h2c_prior_knowledge()
    {
        await using var app = await StartAppAsync(new Http2TestAppOptions { Tls = false });
        await using var client = await app.CreateRawClientAsync();

        client.NegotiatedProtocol.Should().BeNull();
        app.BaseAddress.Scheme.Should().Be("http");
        var response = await client.GetAsync("/protocol");
        response.BodyText.Should().Be("HTTP/2");
    }

    [Fact]
    public async Task Priority_padding_and_continuation_are_accepted_by_Kestrel()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();
        var request = new RawHttp2Request("GET", "/headers")
        {
            Priority = new Http2PriorityData(0, 256, Exclusive: true),
            PadLength = 17,
            MaxHeaderFragmentSize = 8,
        };
        request.WithHeader("x-one", "1").WithHeader("X-Two", new string('v', 100));

        var stream = await client.SendRequestAsync(request);
        var response = await stream.ReadResponseAsync();

        response.Status.Should().Be(200);
        response.BodyText.Should().Be("x-one=1;x-two=" + new string('v', 100));
        var sent = client.FrameLog.Where(f => f.Direction == FrameDirection.Sent && f.StreamId == stream.StreamId).ToList();
        sent[0].Type.Should().Be(Http2FrameType.Headers);
        (sent[0].Flags & (Http2FrameFlags.Priority | Http2FrameFlags.Padded)).Should().Be(Http2FrameFlags.Priority | Http2FrameFlags.Padded);
        (sent[0].Flags & Http2FrameFlags.EndHeaders).Should().Be(0);
        sent.Count(f => f.Type == Http2FrameType.Continuation).Should().BeGreaterThan(3);
    }

    [Fact]
    public async Task Second_request_reuses_the_HPACK_dynamic_table_on_both_sides()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();

        for (var i = 0; i < 3; i++)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/headers").WithHeader("x-same", "value"));
            (await stream.ReadResponseAsync()).BodyText.Should().Be("x-same=value");
        }

        client.Decoder.DynamicTableSize.Should().BeGreaterThan(0, "Kestrel indexes response headers such as content-type");
    }

    [Fact]
    public async Task Trailers_arrive_after_the_body()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/trailers");

        response.BodyText.Should().Be("body");
        response.Trailers["grpc-status"].Should().Be("0");
        response.Trailers["grpc-message"].Should().Be("fine");
        response.Headers["grpc-status"].Should().BeNull();
    }

    [Fact]
    public async Task Server_RST_STREAM_code_is_reported_on_the_response()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/reset");

        response.ResetCode.Should().Be(Http2ErrorCode.EnhanceYourCalm);
        response.EndStreamReceived.Should().BeFalse();
        client.FrameLog.Should().Contain(f => f.Type == Http2FrameType.RstStream && f.Direction == FrameDirection.Received);
    }

    [Fact]
    public async Task Expect_100_continue_yields_an_informational_response_before_the_final_one()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();
        var request = new RawHttp2Request("POST", "/echo") { EndStream = false }
            .WithHeader("expect", "100-continue")
            .WithHeader("content-length", "5");

        var stream = await client.SendRequestAsync(request);
        var informational = await stream.WaitForInformationalAsync();
        await stream.SendDataAsync(Encoding.ASCII.GetBytes("12345"), endStream: true);
        var response = await stream.ReadResponseAsync();

        informational.Status.Should().Be(100);
        response.Informational.Should().ContainSingle().Which.Status.Should().Be(100);
        response.Status.Should().Be(200);
        response.BodyText.Should().Be("12345");
        response.Informational[0].FrameSequence.Should().BeLessThan(response.HeadersFrameSequence);
    }

    [Fact]
    public async Task Request_body_larger_than_the_windows_is_sent_with_flow_control()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();
        var body = new byte[3 * 1024 * 1024 + 7];
        Random.Shared.NextBytes(body);

        var stream = await client.SendRequestAsync(new RawHttp2Request("POST", "/echo") { Body = body });
        var response = await stream.ReadResponseAsync(TimeSpan.FromSeconds(30));

        response.Headers["x-received-length"].Should().Be(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.Body.Should().Equal(body);
        client.FrameLog.Should().Contain(f => f.Type == Http2FrameType.WindowUpdate && f.Direction == FrameDirection.Received);
    }

    [Fact]
    public async Task Even_stream_id_provokes_GOAWAY_PROTOCOL_ERROR()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();
        var encoder = new HpackEncoder { UseDynamicTable = false };
        var block = encoder.Encode([new(":method", "GET"), new(":scheme", "https"), new(":path", "/"), new(":authority", "127.0.0.1")]);

        await client.WriteFrameAsync((byte)Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 2, block);
        var goAway = await client.WaitForGoAwayAsync(TimeSpan.FromSeconds(10));

        goAway.ErrorCode.Should().Be(Http2ErrorCode.ProtocolError);
        goAway.LastStreamId.Should().Be(0);
        await client.WaitForConnectionCloseAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Ping_round_trip_completes()
    {
        await using var app = await StartAppAsync();
        await using var client = await app.CreateRawClientAsync();

        var rtt = await client.PingAsync();

        rtt.Should().BePositive();
        client.FrameLog.Should().Contain(f => f.Type == Http2FrameType.Ping && f.Direction == FrameDirection.Received && f.Flags == Http2FrameFlags.Ack);
    }

    [Fact]
    public async Task Waiting_for_a_response_that_never_ends_times_out_with_the_frames_received()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.MapGet("/slow", async (HttpContext ctx) =>
        {
            await ctx.Response.WriteAsync("partial");
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
        }));
        await using var client = await app.CreateRawClientAsync();
        var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/slow"));
        await stream.WaitForHeadersAsync();
        for (var i = 0; i < 500 && stream.Snapshot().Body.Length == 0; i++)
        {
            await Task.Delay(20);
        }

        var act = () => stream.ReadResponseAsync(TimeSpan.FromMilliseconds(1500));

        var error = await act.Should().ThrowAsync<RawHttp2Exception>();
        error.Which.Message.Should().Contain("Timed out after 1.5 s waiting for the end of stream 1")
            .And.Contain("final HEADERS 200, 1 DATA frame(s), 7 body bytes, no END_STREAM")
            .And.Contain("<- HEADERS stream=1");
    }

    [Fact]
    public async Task Stopping_the_server_fails_pending_waits_instead_of_hanging()
    {
        var app = await Http2TestApp.StartAsync(a => a.MapGet("/never", (HttpContext ctx) => Task.Delay(Timeout.Infinite, ctx.RequestAborted)));
        var client = await RawHttp2Client.ConnectAsync(app.BaseAddress);
        await using (client)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/never"));
            await app.DisposeAsync();

            var act = () => stream.ReadResponseAsync(TimeSpan.FromSeconds(20));

            var outcome = await act.Should().ThrowAsync<RawHttp2Exception>();
            outcome.Which.Message.Should().Contain("stream 1");
            client.IsClosed.Should().BeTrue();
        }
    }
}
