using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Http2Features.Priority;
using Http2Features.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Priority;

/// <summary>Priority signals are counted on the "Http2Features" meter, by kind.</summary>
public class PriorityMetricsTests
{
    [Fact]
    public async Task Signals_are_counted_by_kind_on_the_Http2Features_meter()
    {
        await using var app = await PriorityTestApp.StartAsync();
        var meterFactory = app.Services.GetRequiredService<IMeterFactory>();
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Http2FeaturesMeter.Name && instrument.Meter.Scope == meterFactory && instrument.Name == "http2features.priority.signals")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == PriorityMetrics.SignalTag)
                {
                    counts.AddOrUpdate((string)tag.Value!, value, (_, v) => v + value);
                }
            }
        });
        listener.Start();

        await using var client = await app.CreateRawClientAsync();
        await client.SendPriorityAsync(101, 0, 10, false, TestContext.Current.CancellationToken);
        await client.SendPriorityUpdateAsync(client.NextStreamId, "u=1", TestContext.Current.CancellationToken);
        var stream = await client.SendRequestAsync(new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(0, 20, false) }, TestContext.Current.CancellationToken);
        await stream.ReadResponseAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        counts.Should().Contain(new KeyValuePair<string, long>("priority", 1))
            .And.Contain(new KeyValuePair<string, long>("priority_update", 1))
            .And.Contain(new KeyValuePair<string, long>("headers", 1));
    }
}
