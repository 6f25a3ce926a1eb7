using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Http2Features.EarlyHints;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintsMetricsTests
{
    [Fact]
    public async Task Sent_and_not_sent_hints_are_counted_on_the_Http2Features_meter_with_a_reason_tag()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Instrument, long Value, string? Reason, string? Version)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this app's meter: other tests run their own hosts in parallel.
            if (instrument.Meter.Name == "Http2Features" && instrument.Meter.Scope == factory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? reason = null;
            string? version = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reason = tag.Value as string;
                }
                else if (tag.Key == "network.protocol.version")
                {
                    version = tag.Value as string;
                }
            }

            measurements.Enqueue((instrument.Name, value, reason, version));
        });
        listener.Start();
        await using var client = await app.CreateRawClientAsync();

        await client.GetAsync("/hint?calls=2", TestContext.Current.CancellationToken);
        await EarlyHintsHttp1Tests.RawTlsExchangeAsync(app, "GET /hint HTTP/1.0\r\nHost: a\r\n\r\n");

        measurements.Where(m => m.Instrument == EarlyHintsService.SentCounterName).Should().HaveCount(2).And.OnlyContain(m => m.Value == 1 && m.Version == "2");
        var notSent = measurements.Should().ContainSingle(m => m.Instrument == EarlyHintsService.NotSentCounterName).Subject;
        (notSent.Reason, notSent.Version).Should().Be(("http10_client", "1.0"));
    }
}
