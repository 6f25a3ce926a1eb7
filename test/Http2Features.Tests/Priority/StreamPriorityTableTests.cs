using FluentAssertions;
using Http2Features.Priority;

namespace Http2Features.Tests.Priority;

/// <summary>The per-connection priority table: bounded whatever the client sends, O(1), evicting closed streams.</summary>
public class StreamPriorityTableTests
{
    [Fact]
    public void Million_idle_stream_signals_leave_the_table_at_its_idle_bound()
    {
        var table = new StreamPriorityTable(maxConcurrentStreams: 100);

        for (var id = 1; id < 2_000_000; id += 2)
        {
            table.OnPriority(id, 0, 32, false);
        }

        table.MaxCapacity.Should().BeLessThanOrEqualTo(100 * 8);
        table.Capacity.Should().Be(Math.Min(StreamPriorityTable.IdleCapacity, table.MaxCapacity));
        table.Count.Should().BeLessThanOrEqualTo(table.MaxCapacity);
        table.TryGet(1_999_999, out var weight, out _, out _, out _).Should().BeTrue("the newest signal is kept");
        weight.Should().Be(32);
    }

    [Fact]
    public void An_opened_stream_outlives_a_flood_of_idle_stream_signals_in_its_set()
    {
        var table = new StreamPriorityTable(maxConcurrentStreams: 100);
        table.OnPriority(1, 0, 200, true, opensStream: true);

        for (var id = 3; id < 200_001; id += 2)
        {
            table.OnPriority(id, 0, 1, false);
        }

        table.TryGet(1, out var weight, out _, out var exclusive, out _).Should().BeTrue();
        (weight, exclusive).Should().Be((200, true));
    }

    [Fact]
    public void Attached_request_keeps_its_entry_and_receives_updates_until_it_ends()
    {
        var table = new StreamPriorityTable(maxConcurrentStreams: 100);
        table.OnPriority(1, 0, 42, false);
        var feature = new StreamPriorityFeature(3, false);
        table.Attach(1, feature);

        for (var id = 3; id < 200_001; id += 2)
        {
            table.OnPriority(id, 0, 1, false);
            table.OnStreamOpened(id);
        }

        table.OnPriority(1, 5, 100, true);
        table.OnPriorityUpdate(1, 0, true);

        (feature.Weight, feature.DependsOn, feature.Exclusive, feature.Urgency, feature.Incremental)
            .Should().Be((100, 5, true, 0, true));

        feature.Dispose();
        table.TryGet(1, out _, out _, out _, out _).Should().BeFalse("the stream closed with its request");
    }

    [Fact]
    public void Client_reset_evicts_the_stream()
    {
        var table = new StreamPriorityTable(maxConcurrentStreams: 100);
        table.OnPriority(5, 0, 42, false);

        table.OnStreamReset(5);

        table.TryGet(5, out _, out _, out _, out _).Should().BeFalse();
        table.Count.Should().Be(0);
    }

    [Fact]
    public void Connections_that_never_send_priority_allocate_no_table()
    {
        var table = new StreamPriorityTable(maxConcurrentStreams: 100);

        for (var id = 1; id < 1001; id += 2)
        {
            table.OnStreamOpened(id);
        }

        table.Capacity.Should().Be(0);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(100_000)]
    public void Idle_stream_signals_cost_the_same_whatever_the_stream_limit(int maxConcurrentStreams)
    {
        // 70,000 PRIORITY frames for streams that never open: the abuse case, per connection.
        var table = new StreamPriorityTable(maxConcurrentStreams);

        for (var id = 1; id < 140_000; id += 2)
        {
            table.OnPriority(id, 0, 32, false);
            table.OnPriorityUpdate(id, 1, true);
        }

        table.Capacity.Should().Be(StreamPriorityTable.IdleCapacity, "memory follows the streams actually opened (none), not the setting");
        ((long)table.Capacity * StreamPriorityTable.EntrySize).Should().BeLessThanOrEqualTo(8 * 1024);
        table.TryGet(139_999, out _, out _, out _, out _).Should().BeTrue("the newest signal is kept");
    }

    [Fact]
    public void Opened_streams_grow_the_table_with_use_up_to_the_bound_of_the_stream_limit()
    {
        var table = new StreamPriorityTable(maxConcurrentStreams: 100_000);
        var features = new List<StreamPriorityFeature>();
        for (var i = 0; i < 5_000; i++)
        {
            var id = (2 * i) + 1;
            table.OnPriority(id, 0, 10 + (i % 200), false, opensStream: true);
            var feature = new StreamPriorityFeature();
            table.Attach(id, feature);
            features.Add(feature);
        }

        table.OpenedCount.Should().Be(5_000);
        table.Capacity.Should().BeInRange(5_000, 4 * 8_192, "room for the running streams, a small multiple of them");
        for (var i = 0; i < 5_000; i++)
        {
            table.TryGet((2 * i) + 1, out var weight, out _, out _, out _).Should().BeTrue();
            weight.Should().Be(10 + (i % 200));
        }

        // The same bound on abuse as before: a million signals never take it past MaxCapacity.
        for (var id = 10_001; id < 2_010_001; id += 2)
        {
            table.OnPriority(id, 0, 1, false, opensStream: id % 4 == 1);
        }

        table.Capacity.Should().BeLessThanOrEqualTo(table.MaxCapacity);
        table.MaxCapacity.Should().Be(65_536);
        for (var i = 0; i < 5_000; i++)
        {
            table.Detach((2 * i) + 1, features[i]);
        }

        table.Count.Should().BeLessThanOrEqualTo(table.Capacity);
    }

    [Fact]
    public void Release_reports_the_memory_freed_and_ignores_later_signals()
    {
        using var meterFactory = new TestMeterFactory();
        var metrics = new PriorityMetrics(meterFactory);
        long memory = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Name == "http2features.priority.table.memory")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref memory, value));
        listener.Start();
        var table = new StreamPriorityTable(100, metrics);

        for (var id = 1; id < 2_000; id += 2)
        {
            table.OnPriority(id, 0, 1, false, opensStream: true);
        }

        Interlocked.Read(ref memory).Should().Be((long)table.Capacity * StreamPriorityTable.EntrySize);
        table.Release();
        Interlocked.Read(ref memory).Should().Be(0);
        table.OnPriority(5_001, 0, 1, false);
        table.Capacity.Should().Be(0, "a released table stays empty");
        Interlocked.Read(ref memory).Should().Be(0);
    }

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
        {
            var meter = new System.Diagnostics.Metrics.Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
