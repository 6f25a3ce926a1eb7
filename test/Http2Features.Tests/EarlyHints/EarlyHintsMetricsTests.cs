using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Http2Features.EarlyHints;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintsMetricsTests
{
    [Fact]
    public async Task Sent_and_not_sent_hints_are_counted_by_one_instrument_with_error_type_for_those_not_sent()
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Instrument, long Value, string? ErrorType, string? Version)>();
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
            string? errorType = null;
            string? version = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "error.type")
                {
                    errorType = tag.Value as string;
                }
                else if (tag.Key == "network.protocol.version")
                {
                    version = tag.Value as string;
                }
            }

            measurements.Enqueue((instrument.Name, value, errorType, version));
        });
        listener.Start();
        await using var client = await app.CreateRawClientAsync();

        await client.GetAsync("/hint?calls=2", TestContext.Current.CancellationToken);
        await EarlyHintsHttp1Tests.RawTlsExchangeAsync(app, "GET /hint HTTP/1.0\r\nHost: a\r\n\r\n");

        measurements.Should().OnlyContain(m => m.Instrument == "http2features.early_hints.responses" && m.Value == 1);
        measurements.Where(m => m.ErrorType == null).Should().HaveCount(2).And.OnlyContain(m => m.Version == "2");
        var notSent = measurements.Should().ContainSingle(m => m.ErrorType != null).Subject;
        (notSent.ErrorType, notSent.Version).Should().Be(("http10_client", "1.0"));
    }
}
