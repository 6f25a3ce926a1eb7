// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Trailers;

public class TrailersMetricsTests
{
    [Fact]
    public async Task Sends_are_counted_by_one_instrument_with_error_type_when_nothing_was_sent()
    {
        var done = new ConcurrentQueue<string>();
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpResponse response) =>
        {
            response.AnnounceTrailers("x-a");
            await response.WriteAsync("x");
            await response.SendTrailersAsync("x-a", "1");
            await response.SendTrailersAsync("x-a", "2");
            done.Enqueue(response.HttpContext.Request.Protocol);
        }));
        var factory = server.Services.GetRequiredService<IMeterFactory>();
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this app's meter: other tests run in parallel with their own factories.
            if (instrument.Meter.Name == "Http2Features" && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "http2features.trailers.sends")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var errorType = "(sent)";
            foreach (var tag in tags)
            {
                if (tag.Key == "error.type")
                {
                    errorType = (string)tag.Value!;
                }
            }

            counts.AddOrUpdate(errorType, value, (_, v) => v + value);
        });
        listener.Start();

        using var h2 = server.CreateHttp2Client();
        using var h1 = server.CreateHttp11Client();
        (await h2.GetStringAsync("/t")).Should().Be("x");
        (await h1.GetStringAsync("/t")).Should().Be("x");
        using var h10 = await h1.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/t") { Version = System.Net.HttpVersion.Version10, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        (await h10.Content.ReadAsStringAsync()).Should().Be("x");
        await WaitUntilAsync(() => done.Count == 3);

        // HTTP/2 and HTTP/1.1 (chunked) send; HTTP/1.0 cannot.
        counts.Should().Contain("(sent)", 2).And.Contain("already_sent", 2).And.Contain("not_supported", 2);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline);
            await Task.Delay(10);
        }
    }
}
