using System.Diagnostics;
using FluentAssertions;
using Http2Features.EarlyHints;
using Http2Features.Testing;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintsHttp2Tests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Hint_arrives_before_the_final_response_while_the_handler_is_still_working()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var stream = await client.SendRequestAsync(new RawHttp2Request { Path = "/hint?delay=500" }, TestContext.Current.CancellationToken);
        var response = await stream.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken);

        response.Status.Should().Be(200);
        response.BodyText.Should().Be("ok");
        var hint = response.Informational.Should().ContainSingle().Subject;
        hint.Status.Should().Be(103);
        hint.Headers.GetValues("link").Should().Equal(
            "</style0.css>; rel=preload; as=style",
            "</app0.js>; rel=preload; as=script; fetchpriority=high");
        hint.FrameSequence.Should().BeLessThan(response.HeadersFrameSequence);
        Stopwatch.GetElapsedTime(hint.Timestamp, response.HeadersTimestamp).Should().BeGreaterThan(TimeSpan.FromMilliseconds(250),
            "the 103 left while the handler was still delaying, not together with the response");
        (await host.WaitForResultAsync("/hint")).Status.Should().Be(EarlyHintsStatus.Sent);
    }

    [Fact]
    public async Task Several_calls_give_several_103s_in_order_each_with_all_links_of_its_call()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var response = await (await client.SendRequestAsync(new RawHttp2Request { Path = "/hint?calls=3" }, TestContext.Current.CancellationToken))
            .ReadResponseAsync(Timeout, TestContext.Current.CancellationToken);

        response.Informational.Select(i => i.Status).Should().Equal(103, 103, 103);
        response.Informational.Select(i => i.Headers.GetValues("link").Count).Should().Equal(2, 2, 2);
        response.Informational[2].Headers.GetValues("link")[0].Should().Be("</style2.css>; rel=preload; as=style");
        response.Status.Should().Be(200);
    }

    [Fact]
    public async Task Hint_and_20KB_of_response_headers_in_HEADERS_plus_CONTINUATION_both_arrive_intact()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/big-headers", TestContext.Current.CancellationToken);

        response.Informational.Should().ContainSingle().Which.Status.Should().Be(103);
        response.Headers.GetValues("x-big").Should().ContainSingle().Which.Should().Be(new string('h', 20 * 1024));
        client.ReceivedFrames.Should().Contain(f => f.Type == Http2FrameType.Continuation);
    }

    [Fact]
    public async Task Hint_larger_than_the_max_frame_size_is_sent_as_HEADERS_plus_CONTINUATION()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync(o => o.MaxTotalSize = 64 * 1024);
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/big-hint", TestContext.Current.CancellationToken);

        var hint = response.Informational.Should().ContainSingle().Subject;
        hint.Headers.GetValues("link").Should().HaveCount(300);
        response.Status.Should().Be(200);
        client.ReceivedFrames.Where(f => f.StreamId == response.StreamId).Select(f => f.Type)
            .Should().StartWith([Http2FrameType.Headers, Http2FrameType.Continuation]);
    }

    [Fact]
    public async Task Hint_and_a_10MB_body_arrive_intact()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/big-body", TestContext.Current.CancellationToken);

        response.Informational.Should().ContainSingle().Which.Status.Should().Be(103);
        response.Body.Should().Equal(EarlyHintsTestHost.BodyOf(10 * 1024 * 1024));
    }

    [Fact]
    public async Task Hint_then_client_RST_STREAM_ends_the_next_call_with_RequestAborted_and_the_connection_stays_usable()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var stream = await client.SendRequestAsync(new RawHttp2Request { Path = "/hint-then-wait-abort" }, TestContext.Current.CancellationToken);
        (await stream.WaitForInformationalAsync(1, Timeout, TestContext.Current.CancellationToken)).Status.Should().Be(103);
        await stream.SendRstStreamAsync(Http2ErrorCode.Cancel, TestContext.Current.CancellationToken);

        (await host.WaitForResultAsync("/hint-then-wait-abort#2")).Status.Should().Be(EarlyHintsStatus.RequestAborted);
        (await client.GetAsync("/hint", TestContext.Current.CancellationToken)).Informational.Should().ContainSingle();
        client.ConnectionError.Should().BeNull();
    }

    [Fact]
    public async Task After_the_response_started_the_call_throws_InvalidOperationException_with_a_clear_message()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/after-start", TestContext.Current.CancellationToken);

        response.Informational.Should().BeEmpty();
        response.BodyText.Should().StartWith("started;103 Early Hints must be sent before the response starts");
    }

    [Fact]
    public async Task H2c_prior_knowledge_gets_the_103()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync(tls: false);
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/hint", TestContext.Current.CancellationToken);

        client.NegotiatedProtocol.Should().BeNull();
        response.Informational.Should().ContainSingle().Which.Status.Should().Be(103);
        response.Status.Should().Be(200);
    }

    [Fact]
    public async Task Without_the_connection_middleware_the_call_reports_NoConnectionSeam_and_sends_nothing()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync(seam: false);
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/hint", TestContext.Current.CancellationToken);

        response.Informational.Should().BeEmpty();
        (await host.WaitForResultAsync("/hint")).Status.Should().Be(EarlyHintsStatus.NoConnectionSeam);
    }

    [Fact]
    public async Task Keep_link_on_final_response_copies_the_link_values()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync(o => o.KeepLinkOnFinalResponse = true);
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/hint", TestContext.Current.CancellationToken);

        response.Headers.GetValues("link").Should().Equal(response.Informational[0].Headers.GetValues("link"));
    }

    [Fact]
    public async Task Disabled_option_sends_nothing_and_reports_Disabled()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync(o => o.Enabled = false);
        await using var client = await app.CreateRawClientAsync();

        (await client.GetAsync("/hint", TestContext.Current.CancellationToken)).Informational.Should().BeEmpty();
        (await host.WaitForResultAsync("/hint")).Status.Should().Be(EarlyHintsStatus.Disabled);
    }
}
