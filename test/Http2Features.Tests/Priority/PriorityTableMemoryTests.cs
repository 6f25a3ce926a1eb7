using Http2Features.Tests.Connection;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Http2Features.Priority;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Priority;

/// <summary>
/// Real Kestrel with <c>MaxStreamsPerConnection = 100000</c> (gunicorn's http2_max_concurrent_streams): priority state
/// follows the streams clients signal, and the process-wide view on the "Http2Features" meter
/// (<c>http2features.priority.table.memory</c>) goes back to zero when the connections close. The RSS comparison with
/// bare Kestrel at full size (100 connections, separate processes) is <see cref="PriorityMemoryRssTests"/>.
/// </summary>
public class PriorityTableMemoryTests
{
    private const int Connections = 10; // the full 100 run in PriorityMemoryRssTests, against bare Kestrel
    private const int FramesPerConnection = 70_000;

    [Fact]
    public async Task Ten_connections_of_70000_idle_stream_PRIORITY_frames_hold_a_few_KiB_each_and_nothing_after_close()
    {
        await using var app = await Http2TestApp.StartAsync(
            a => a.MapGet("/", () => "ok"),
            b =>
            {
                b.Services.AddHttp2Features();
                b.WebHost.ConfigureKestrel(k => k.Limits.Http2.MaxStreamsPerConnection = 100_000);
            },
            new Http2TestAppOptions { Tls = false, ConfigureListenOptions = lo => lo.UseHttp2Features() });
        var meterFactory = app.Services.GetRequiredService<IMeterFactory>();
        long memory = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Name == "http2features.priority.table.memory")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref memory, value));
        listener.Start();

        // One write per connection: 70,000 PRIORITY frames, each for a different stream that never opens.
        var frames = FrameBytes.IdleStreamPriorityFlood(FramesPerConnection);

        var started = Stopwatch.GetTimestamp();
        var clients = await Task.WhenAll(Enumerable.Range(0, Connections).Select(async _ =>
        {
            var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions { Timeout = TimeSpan.FromSeconds(60) });
            await client.WriteRawAsync(frames, TestContext.Current.CancellationToken);
            await client.PingAsync(TestContext.Current.CancellationToken); // the ACK comes after Kestrel read every frame
            return client;
        }));
        var held = Interlocked.Read(ref memory);
        var perConnection = held / Connections;

        (await clients[0].GetAsync("/", TestContext.Current.CancellationToken)).Status.Should().Be(200, "the connections still serve");
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 20);
        while (Interlocked.Read(ref memory) != 0 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken); // Kestrel completes closed connections on its own threads
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Connections} x {FramesPerConnection} PRIORITY frames in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s: table memory {held / 1024} KiB in total, {perConnection} B per connection");
        perConnection.Should().Be((long)StreamPriorityTable.IdleCapacity * StreamPriorityTable.EntrySize,
            "idle-stream signals stop at the idle bound (the old table took 2^16 entries, ~1.5 MB, at this stream limit)");
        Interlocked.Read(ref memory).Should().Be(0, "every connection's table is released when Kestrel completes the connection");
    }
}
