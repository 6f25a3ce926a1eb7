using System.Collections.Concurrent;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.EarlyHints;

/// <summary>
/// Clients that reset streams right after sending them (browsers cancelling navigations; the rapid-reset pattern):
/// a 103 for a stream the client already reset is never written, so Kestrel's own output-queue mitigation sees
/// the same connection with the pack as without it.
/// </summary>
public class EarlyHintsResetStreamTests
{
    private const int Runs = 5;
    private const int InFlight = 20;
    private const int StreamsPerRun = 200;

    private static Task<Http2TestApp> StartAsync(bool pack, ConcurrentQueue<EarlyHintsStatus> results) => Http2TestApp.StartAsync(
        a => a.MapGet("/early-hints", async (HttpContext context) =>
        {
            // The example's page: one 103, then work that takes a while.
            if (pack)
            {
                results.Enqueue((await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/style.css", "style"), EarlyHintLink.Preload("/app.js", "script"))).Status);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(150), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }

            return Results.Text("page");
        }),
        b =>
        {
            if (pack)
            {
                b.Services.AddHttp2Features();
            }
        },
        new Http2TestAppOptions { ConfigureListenOptions = listen => { if (pack) { listen.UseHttp2Features(); } } });

    /// <summary>One connection: <see cref="StreamsPerRun"/> requests, <see cref="InFlight"/> at a time, each reset 0-3 ms after its HEADERS. True if Kestrel closed it.</summary>
    private static async Task<bool> RunAsync(Http2TestApp app, CancellationToken ct)
    {
        await using var client = await app.CreateRawClientAsync();
        using var slots = new SemaphoreSlim(InFlight);
        var tasks = new List<Task>();
        try
        {
            for (var i = 0; i < StreamsPerRun && client.GoAway is null && !client.IsClosed; i++)
            {
                await slots.WaitAsync(ct);
                var delay = i % 4;
                tasks.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            var stream = await client.SendRequestAsync(new RawHttp2Request { Path = "/early-hints" }, ct);
                            if (delay > 0)
                            {
                                await Task.Delay(delay, ct);
                            }

                            await stream.SendRstStreamAsync(Http2ErrorCode.Cancel, ct);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    },
                    ct));
            }

            await Task.WhenAll(tasks);
            await client.PingAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
        }
        catch (RawHttp2Exception)
        {
            return true;
        }
        catch (TimeoutException)
        {
            return true;
        }
        catch (IOException)
        {
            return true;
        }

        return client.GoAway is not null || client.IsClosed;
    }

    [Fact]
    public async Task Resetting_every_stream_0_to_3_ms_after_its_HEADERS_gets_the_same_verdict_with_the_pack_as_without()
    {
        var ct = TestContext.Current.CancellationToken;
        var results = new ConcurrentQueue<EarlyHintsStatus>();
        var closed = new Dictionary<bool, int>();
        foreach (var pack in new[] { false, true })
        {
            await using var app = await StartAsync(pack, results);
            closed[pack] = 0;
            for (var run = 0; run < Runs; run++)
            {
                closed[pack] += await RunAsync(app, ct) ? 1 : 0;
            }
        }

        // The verdict is the majority of the runs: Kestrel's mitigation is timing-driven and closes a bare connection
        // now and then by itself; the pack used to turn that into most runs (4 of 5 measured).
        var message = $"Kestrel closed {closed[false]}/{Runs} bare connections and {closed[true]}/{Runs} with the pack";
        (closed[true] * 2 > Runs).Should().Be(closed[false] * 2 > Runs, message);
        results.Should().NotBeEmpty();
        results.Should().OnlyContain(r => r == EarlyHintsStatus.Sent || r == EarlyHintsStatus.RequestAborted, "a hint for a reset stream reports RequestAborted");
    }
}
