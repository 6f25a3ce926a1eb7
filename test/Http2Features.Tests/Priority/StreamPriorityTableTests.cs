using FluentAssertions;
using Http2Features.Priority;

namespace Http2Features.Tests.Priority;

/// <summary>The per-connection priority table: bounded whatever the client sends, O(1), evicting closed streams.</summary>
public class StreamPriorityTableTests
{
    [Fact]
    public void Million_idle_stream_signals_leave_the_table_at_its_bound()
    {
        var table = new StreamPriorityTable(maxConcurrentStreams: 100);

        for (var id = 1; id < 2_000_000; id += 2)
        {
            table.OnPriority(id, 0, 32, false);
        }

        table.MaxCapacity.Should().BeLessThanOrEqualTo(100 * 8);
        table.Capacity.Should().Be(table.MaxCapacity);
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
}
