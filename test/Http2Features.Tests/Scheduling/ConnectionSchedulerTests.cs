using System.IO.Pipelines;
using FluentAssertions;
using Http2Features.Scheduling;
using Microsoft.AspNetCore.Http.Features;

namespace Http2Features.Tests.Scheduling;

/// <summary>
/// The scheduler's timing rules, driven directly: ResponseSchedulingTests proves the order on real Kestrel; these
/// cover what a real server only shows on a starved thread pool (a write whose data left but whose continuation
/// has not run yet).
/// </summary>
public sealed class ConnectionSchedulerTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task An_urgent_write_whose_data_left_holds_a_download_back_until_it_returns_to_the_app_and_then_for_IdleTimeout()
    {
        var scheduler = NewScheduler();
        var urgent = Stream(scheduler, 1, urgency: 0);
        var bulk = Stream(scheduler, 3, urgency: 7);

        await urgent.TakeTurnAsync(100);          // admitted at once: nothing ranks ahead of u=0
        scheduler.OnStreamData(1, 100, endStream: false); // all of it reached the transport; the app has not resumed

        var held = bulk.TakeTurnAsync(100).AsTask();

        // Many idle windows pass while the urgent write has not returned: the download stays held back.
        await Task.WhenAny(held, Task.Delay(Idle * 5, TestContext.Current.CancellationToken));
        held.IsCompleted.Should().BeFalse("the urgent stream's app is about to continue writing");

        var returned = TimeProvider.System.GetTimestamp();
        urgent.WriteReturned();
        await held.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        TimeProvider.System.GetElapsedTime(returned).Should().BeGreaterThanOrEqualTo(Idle - TimeSpan.FromMilliseconds(1),
            "after its write returned, the urgent stream still counts as ready for IdleTimeout");
    }

    [Fact]
    public async Task An_urgent_stream_that_wrote_and_went_idle_releases_a_waiting_download_without_any_other_event()
    {
        var scheduler = NewScheduler();
        var urgent = Stream(scheduler, 1, urgency: 0);
        var bulk = Stream(scheduler, 3, urgency: 7);

        await urgent.TakeTurnAsync(100);
        var held = bulk.TakeTurnAsync(100).AsTask();   // waits: the urgent data is still in Kestrel
        scheduler.OnStreamData(1, 100, endStream: false);
        urgent.WriteReturned();

        // No further event arrives (the urgent app now waits on something else): the waiter must notice by
        // itself that the idle window ended, well before StallTimeout or MaxHoldBack would release it.
        await held.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_waiter_held_by_an_idle_stream_that_writes_again_into_a_closed_window_is_released_after_StallTimeout()
    {
        // The idle window is long, the stall window short. The download starts waiting while the urgent stream is
        // between two writes (ready for IdleTimeout); then the urgent stream writes again, and that data never moves
        // (its flow-control window is closed): no event follows, yet the download must go after StallTimeout, not
        // after IdleTimeout (this failed in CI as a 10 s timeout in ResponseSchedulingTests).
        var stall = TimeSpan.FromMilliseconds(100);
        var scheduler = new ConnectionScheduler(
            new ResponseSchedulingOptions { Enabled = true, IdleTimeout = TimeSpan.FromSeconds(30), StallTimeout = stall, MaxHoldBack = TimeSpan.FromSeconds(30) },
            metrics: null);
        var urgent = Stream(scheduler, 1, urgency: 0);
        var bulk = Stream(scheduler, 3, urgency: 7);
        await urgent.TakeTurnAsync(100);
        scheduler.OnStreamData(1, 100, endStream: false);
        urgent.WriteReturned();

        var held = bulk.TakeTurnAsync(100).AsTask();
        await Task.WhenAny(held, Task.Delay(stall * 2, TestContext.Current.CancellationToken));
        held.IsCompleted.Should().BeFalse("the urgent stream is between two writes: ready for IdleTimeout");
        var wroteAgain = TimeProvider.System.GetTimestamp();
        await urgent.TakeTurnAsync(100);   // into a closed window: no OnStreamData will come

        await held.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        TimeProvider.System.GetElapsedTime(wroteAgain).Should().BeGreaterThanOrEqualTo(stall - TimeSpan.FromMilliseconds(1), "the urgent data was fresh until StallTimeout");
    }

    private static ConnectionScheduler NewScheduler() => new(
        new ResponseSchedulingOptions
        {
            Enabled = true,
            IdleTimeout = Idle,
            StallTimeout = TimeSpan.FromSeconds(30),
            MaxHoldBack = TimeSpan.FromSeconds(30),
        },
        metrics: null);

    private static ScheduledStream Stream(ConnectionScheduler scheduler, int id, int urgency)
    {
        var stream = new ScheduledStream(scheduler, new NullBody(), new FixedPriority(id, urgency), hasPriorityHeader: true, id);
        scheduler.Add(stream);
        return stream;
    }

    private sealed class FixedPriority(int streamId, int urgency) : IHttp2StreamPriorityFeature
    {
        public bool HasHttp2Priority => false;

        public int StreamId => streamId;

        public int? Weight => null;

        public int? DependsOn => null;

        public bool? Exclusive => null;

        public int Urgency => urgency;

        public bool Incremental => false;

        public bool IsFromPriorityUpdate => false;

        public event EventHandler? Changed { add { } remove { } }
    }

    private sealed class NullBody : IHttpResponseBodyFeature
    {
        public Stream Stream => System.IO.Stream.Null;

        public PipeWriter Writer => PipeWriter.Create(System.IO.Stream.Null);

        public Task CompleteAsync() => Task.CompletedTask;

        public void DisableBuffering()
        {
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
