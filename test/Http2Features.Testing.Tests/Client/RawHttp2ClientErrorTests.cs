using FluentAssertions;

namespace Http2Features.Testing.Tests.Client;

/// <summary>A broken or hostile server must fail every waiter quickly with a message naming what went wrong.</summary>
public class RawHttp2ClientErrorTests
{
    private static readonly byte[] s_status200 = [0x88]; // :status 200, static index 8

    private static async Task<(ScriptedPeer Peer, RawHttp2Client Client)> ConnectAsync(RawHttp2ClientOptions? options = null)
    {
        var peer = new ScriptedPeer();
        var connect = RawHttp2Client.ConnectAsync(peer.BaseAddress, options);
        await peer.AcceptAsync();
        return (peer, await connect);
    }

    [Fact]
    public async Task Server_closing_the_connection_fails_the_pending_stream_at_once()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/"));
            await peer.ReadUntilAsync(Http2FrameType.Headers);

            peer.CloseConnection();
            var act = () => stream.ReadResponseAsync(TimeSpan.FromSeconds(30));

            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            (await act.Should().ThrowAsync<RawHttp2Exception>()).WithMessage("*Stream 1 did not complete*closed the connection*");
            System.Diagnostics.Stopwatch.GetElapsedTime(started).Should().BeLessThan(TimeSpan.FromSeconds(20), "the reader fails waiters at once, not at their timeout");
            client.IsClosed.Should().BeTrue();
            client.ConnectionError!.Message.Should().Contain("closed");
        }
    }

    [Fact]
    public async Task Frame_inside_a_header_block_is_a_protocol_error_reported_to_the_waiter()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/"));
            await peer.ReadUntilAsync(Http2FrameType.Headers);

            await peer.WriteFrameAsync(Http2FrameType.Headers, 0, 1, s_status200); // no END_HEADERS
            await peer.WriteFrameAsync(Http2FrameType.Data, 0, 1, [1, 2, 3]);
            var act = () => stream.ReadResponseAsync();

            (await act.Should().ThrowAsync<RawHttp2Exception>()).WithMessage("*DATA on stream 1 while a header block on stream 1 awaited CONTINUATION*");
        }
    }

    [Fact]
    public async Task Frame_larger_than_the_clients_max_frame_size_names_the_setting()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/"));
            await peer.ReadUntilAsync(Http2FrameType.Headers);

            await peer.WriteFrameAsync(Http2FrameType.Data, 0, 1, [], declaredLength: 20_000);
            var act = () => stream.ReadResponseAsync();

            (await act.Should().ThrowAsync<RawHttp2Exception>()).WithMessage("*20000-byte DATA frame*SETTINGS_MAX_FRAME_SIZE 16384*");
        }
    }

    [Fact]
    public async Task Undecodable_header_block_is_a_compression_error()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/"));
            await peer.ReadUntilAsync(Http2FrameType.Headers);

            await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, [0xC6]); // index 70: empty dynamic table
            var act = () => stream.ReadResponseAsync();

            (await act.Should().ThrowAsync<RawHttp2Exception>()).WithMessage("*COMPRESSION_ERROR*index 70*");
        }
    }

    [Fact]
    public async Task Server_that_never_sends_SETTINGS_fails_connect_with_the_timeout()
    {
        await using var peer = new ScriptedPeer();
        var connect = RawHttp2Client.ConnectAsync(peer.BaseAddress, new RawHttp2ClientOptions { Timeout = TimeSpan.FromSeconds(1) });
        await peer.AcceptAsync(sendSettings: false);

        var act = () => connect;

        (await act.Should().ThrowAsync<RawHttp2Exception>()).WithMessage("Timed out after 1.0 s waiting for the server's first SETTINGS frame*-> SETTINGS stream=0*");
    }

    [Fact]
    public async Task Waiting_for_GOAWAY_on_a_connection_closed_without_one_says_so()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            peer.CloseConnection();

            var act = () => client.WaitForGoAwayAsync(TimeSpan.FromSeconds(30));

            (await act.Should().ThrowAsync<RawHttp2Exception>()).WithMessage("*GOAWAY*without a GOAWAY*");
        }
    }

    [Fact]
    public async Task Informational_responses_arrive_in_order_and_a_response_can_be_awaited_in_steps()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/"));
            await peer.ReadUntilAsync(Http2FrameType.Headers);
            var encoder = new HpackEncoder();

            await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, encoder.Encode([new(":status", "103"), new("link", "</a.css>; rel=preload")]));
            var first = await stream.WaitForInformationalAsync(1);
            await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, encoder.Encode([new(":status", "103"), new("link", "</b.js>; rel=preload")]));
            var second = await stream.WaitForInformationalAsync(2);
            await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, encoder.Encode([new(":status", "200")]));
            var headers = await stream.WaitForHeadersAsync();
            await peer.WriteFrameAsync(Http2FrameType.Data, Http2FrameFlags.EndStream, 1, "done"u8.ToArray());
            var response = await stream.ReadResponseAsync();

            first.Headers["link"].Should().Be("</a.css>; rel=preload");
            second.Headers["link"].Should().Be("</b.js>; rel=preload");
            headers.Status.Should().Be(200);
            headers.EndStreamReceived.Should().BeFalse();
            response.Should().HaveInformationalStatuses(103, 103).And.HaveStatus(200).And.HaveBody("done");
            second.ReceivedAt.Should().BeGreaterThanOrEqualTo(first.ReceivedAt);
        }
    }

    [Fact]
    public async Task Waiting_for_an_informational_response_that_never_comes_reports_the_final_response()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/"));
            await peer.ReadUntilAsync(Http2FrameType.Headers);

            await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 1, s_status200);
            var act = () => stream.WaitForInformationalAsync();

            (await act.Should().ThrowAsync<RawHttp2Exception>()).WithMessage("Expected 1 informational response(s) on stream 1 but the final response or stream end came first*final HEADERS 200*");
        }
    }

    [Fact]
    public async Task Client_acknowledges_server_SETTINGS_and_answers_PING()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            await peer.ReadUntilAsync(Http2FrameType.Settings); // the ACK of the server's SETTINGS
            await peer.WriteFrameAsync(Http2FrameType.Ping, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]);

            var pong = await peer.ReadUntilAsync(Http2FrameType.Ping);

            pong.Flags.Should().Be(Http2FrameFlags.Ack);
            pong.Payload.Should().Equal(1, 2, 3, 4, 5, 6, 7, 8);
        }
    }
}
