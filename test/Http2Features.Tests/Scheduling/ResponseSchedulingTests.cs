using FluentAssertions;
using Http2Features.Testing;

namespace Http2Features.Tests.Scheduling;

/// <summary>
/// Response scheduling on real Kestrel with TLS, observed with the raw HTTP/2 client. The client opens the
/// connection window by hand (<see cref="FlowControlledClient"/>), so which stream the server serves next
/// shows in the frame order rather than in timings.
/// </summary>
public class ResponseSchedulingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const int Chunk = SchedulingTestApp.Chunk;

    [Fact]
    public async Task An_urgent_response_overtakes_a_running_low_urgency_download()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var bulk = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(64), "u=7"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var urgent = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(8), "u=0"), TestContext.Current.CancellationToken);
        await urgent.WaitForHeadersAsync(Timeout, TestContext.Current.CancellationToken); // its first write is in Kestrel

        await FlowControlledClient.DripAsync(client, urgent);
        await FlowControlledClient.DripAsync(client, bulk);

        (await urgent.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).Body.Length.Should().Be(8 * Chunk);
        (await bulk.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).Body.Length.Should().Be(64 * Chunk);

        // Only what the download already had inside Kestrel goes out beside the urgent response: Kestrel
        // completes a write before all of it is sent, so that is the unsent tail of one write and the next.
        FlowControlledClient.InterleavedBytes(client, urgent.StreamId, bulk.StreamId).Should().BeLessThanOrEqualTo(2 * Chunk, client.DescribeRecentFrames(200));
        FlowControlledClient.CompletionOrder(client).Should().Equal(urgent.StreamId, bulk.StreamId);
    }

    [Fact]
    public async Task Without_scheduling_Kestrel_interleaves_the_same_two_responses()
    {
        // The control for the test above: the same exchange with scheduling off shares the link.
        await using var test = await SchedulingTestApp.StartAsync(enabled: false);
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var bulk = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(64), "u=7"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var urgent = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(8), "u=0"), TestContext.Current.CancellationToken);
        await urgent.WaitForHeadersAsync(Timeout, TestContext.Current.CancellationToken); // its first write is in Kestrel

        await FlowControlledClient.DripAsync(client, urgent, bulk);

        FlowControlledClient.InterleavedBytes(client, urgent.StreamId, bulk.StreamId).Should().BeGreaterThan(4 * Chunk);
    }

    [Fact]
    public async Task An_urgent_stream_waiting_on_its_app_does_not_hold_back_a_download()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var urgent = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(2, gate: "urgent"), "u=0"), TestContext.Current.CancellationToken);
        await urgent.WaitForHeadersAsync(Timeout, TestContext.Current.CancellationToken);
        var bulk = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(16), "u=7"), TestContext.Current.CancellationToken);

        await FlowControlledClient.DripAsync(client, bulk);
        urgent.IsCompleted.Should().BeFalse();

        test.Open("urgent");
        await FlowControlledClient.DripAsync(client, urgent);
        (await urgent.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).Body.Length.Should().Be(2 * Chunk);
    }

    [Fact]
    public async Task Equally_urgent_non_incremental_responses_go_one_at_a_time_in_request_order()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var first = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(8)), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var second = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(8)), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitUntilAsync(() => test.HasScheduler && test.Scheduler.Waiting == 1, "the second stream waits");

        await FlowControlledClient.DripAsync(client, first, second);

        FlowControlledClient.ServedAfter(client, second.StreamId, first.StreamId).Should().BeTrue(client.DescribeRecentFrames(40));
    }

    [Fact]
    public async Task Equally_urgent_incremental_responses_share_the_connection()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var first = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(8), "u=3, i"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var second = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(8), "u=3, i"), TestContext.Current.CancellationToken);
        await second.WaitForHeadersAsync(Timeout, TestContext.Current.CancellationToken); // not held: its first write is in Kestrel

        await FlowControlledClient.DripAsync(client, first, second);

        FlowControlledClient.InterleavedBytes(client, first.StreamId, second.StreamId).Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task A_PRIORITY_UPDATE_that_lowers_a_running_stream_lets_a_waiting_stream_go_first()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var running = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(32), "u=3"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var waiting = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(4), "u=4"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitUntilAsync(() => test.HasScheduler && test.Scheduler.Waiting == 1, "the u=4 stream waits behind u=3");

        await client.SendPriorityUpdateAsync(running.StreamId, "u=7", TestContext.Current.CancellationToken);
        await waiting.WaitForHeadersAsync(Timeout, TestContext.Current.CancellationToken);
        await FlowControlledClient.DripAsync(client, waiting, running);

        FlowControlledClient.InterleavedBytes(client, waiting.StreamId, running.StreamId).Should().BeLessThanOrEqualTo(2 * Chunk);
        FlowControlledClient.CompletionOrder(client).Should().Equal(waiting.StreamId, running.StreamId);
    }

    [Fact]
    public async Task An_RFC_7540_PRIORITY_frame_reprioritises_by_the_weight_to_urgency_mapping()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        // Weight 256 is u=0 and weight 110 is u=4 (no priority header: the weights decide).
        var running = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(32), rfc7540: new Http2PriorityData(0, 256)), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var waiting = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(4), rfc7540: new Http2PriorityData(0, 110)), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitUntilAsync(() => test.HasScheduler && test.Scheduler.Waiting == 1, "the weight-110 stream waits behind weight 256");

        await client.SendPriorityAsync(running.StreamId, 0, 1, ct: TestContext.Current.CancellationToken); // weight 1: u=7
        await waiting.WaitForHeadersAsync(Timeout, TestContext.Current.CancellationToken);
        await FlowControlledClient.DripAsync(client, waiting, running);

        FlowControlledClient.CompletionOrder(client).Should().Equal(waiting.StreamId, running.StreamId);
    }

    [Fact]
    public async Task A_stream_the_client_resets_releases_the_streams_it_held_back_at_once()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var urgent = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(64), "u=0"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var held = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(2), "u=7"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitUntilAsync(() => test.HasScheduler && test.Scheduler.Waiting == 1, "the u=7 stream waits");

        await urgent.SendRstStreamAsync(Http2ErrorCode.Cancel, TestContext.Current.CancellationToken);

        // MaxHoldBack and StallTimeout are 30 s here: only the reset can release it this soon.
        await held.WaitForHeadersAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await FlowControlledClient.DripAsync(client, held);
        (await held.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).Body.Length.Should().Be(2 * Chunk);
    }

    [Fact]
    public async Task A_stream_the_app_aborts_releases_the_streams_it_held_back_at_once()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var urgent = await client.SendRequestAsync(FlowControlledClient.Get("/abort/64", "u=0"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var held = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(2), "u=7"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitUntilAsync(() => test.HasScheduler && test.Scheduler.Waiting == 1, "the u=7 stream waits");

        test.Open("abort");

        await held.WaitForHeadersAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await FlowControlledClient.DripAsync(client, held);
        (await held.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).Body.Length.Should().Be(2 * Chunk);
        (await urgent.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).ResetCode.Should().NotBeNull();
    }

    [Fact]
    public async Task A_stream_held_back_longer_than_MaxHoldBack_goes_anyway()
    {
        await using var test = await SchedulingTestApp.StartAsync(configure: o => o.MaxHoldBack = TimeSpan.FromMilliseconds(200));
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var urgent = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(64), "u=0"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);
        var held = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(2), "u=7"), TestContext.Current.CancellationToken);

        // The urgent stream stays ready (its data waits for window, StallTimeout is 30 s): only the bound releases.
        await held.WaitForHeadersAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await urgent.SendRstStreamAsync(Http2ErrorCode.Cancel, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task An_urgent_stream_blocked_by_its_flow_control_window_stops_holding_others_back_after_StallTimeout()
    {
        await using var test = await SchedulingTestApp.StartAsync(configure: o => o.StallTimeout = TimeSpan.FromMilliseconds(200));

        // Stream windows of one chunk that the client never reopens (a slow reader); the connection window is wide.
        await using var client = await test.App.CreateRawClientAsync(new RawHttp2ClientOptions
        {
            AutoWindowUpdate = false,
            ClientSettings = new Http2Settings { EnablePush = 0, InitialWindowSize = Chunk },
            ConnectionWindowSize = 16 * 1024 * 1024,
            Timeout = Timeout,
        });

        var urgent = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(8), "u=0"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitUntilAsync(() => urgent.Snapshot().Body.Length == Chunk, "the urgent stream used its window");
        var other = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(1), "u=7"), TestContext.Current.CancellationToken);

        // MaxHoldBack is 30 s: the stall is what lets it go.
        var response = await other.ReadResponseAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        response.Body.Length.Should().Be(Chunk);
        urgent.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task Many_streams_finish_in_urgency_then_request_order()
    {
        await using var test = await SchedulingTestApp.StartAsync();
        await using var client = await FlowControlledClient.ConnectAsync(test.App);

        var bulk = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(64), "u=7"), TestContext.Current.CancellationToken);
        await FlowControlledClient.WaitForWindowUsedAsync(client);

        int[] urgencies = [5, 1, 6, 0, 3, 2, 1, 4, 6, 0, 2, 5];
        var streams = new List<(RawHttp2Stream Stream, int Urgency)>();
        foreach (var u in urgencies)
        {
            // Eight writes each: Kestrel may take a stream's first writes before a more urgent stream arrives.
            var s = await client.SendRequestAsync(FlowControlledClient.Get(SchedulingTestApp.Path(8), "u=" + u.ToString(System.Globalization.CultureInfo.InvariantCulture)), TestContext.Current.CancellationToken);
            streams.Add((s, u));
        }

        // Every stream has its first write either in Kestrel (headers sent) or waiting for its turn.
        await FlowControlledClient.WaitUntilAsync(
            () => test.HasScheduler && streams.All(s => s.Stream.Snapshot().Status != 0 || test.Scheduler.IsWaiting(s.Stream.StreamId)),
            "every stream wrote once or waits");

        await FlowControlledClient.DripAsync(client, [.. streams.Select(s => s.Stream), bulk]);

        // The first stream to arrive met nobody but the download: Kestrel took several of its writes before
        // the others came, so its place is not decided by the scheduler. Every other one is.
        var first = streams[0].Stream.StreamId;
        var expected = streams.Skip(1).OrderBy(s => s.Urgency).ThenBy(s => s.Stream.StreamId).Select(s => s.Stream.StreamId).Append(bulk.StreamId);
        var order = FlowControlledClient.CompletionOrder(client);
        order.Where(id => id != first).Should().Equal(expected);
        order[^1].Should().Be(bulk.StreamId);
    }
}
