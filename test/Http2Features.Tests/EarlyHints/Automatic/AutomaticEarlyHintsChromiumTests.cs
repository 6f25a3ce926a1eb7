using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.EarlyHints.Automatic;

/// <summary>Runs after the parallel tests, alone: a browser's timings need the cores the suite otherwise takes.</summary>
[CollectionDefinition(nameof(ChromiumRunsAlone), DisableParallelization = true)]
public sealed class ChromiumRunsAlone;

/// <summary>
/// Debian's headless Chromium against the example app: the first navigation to /auto-hints teaches the server the
/// page's Link headers; on the second, Chromium gets them as a 103 and starts the preloads before the final response.
/// </summary>
[Collection(nameof(ChromiumRunsAlone))]
public class AutomaticEarlyHintsChromiumTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Where the preload starts is read at the server: DevTools reports Chromium's early-hints preloads only when the page
    // uses them (after the final response), so its requestWillBeSent timestamps say nothing about when they started.
    [Fact]
    public async Task Second_navigation_to_auto_hints_starts_the_preloads_from_the_103_before_the_final_response()
    {
        var chromium = ChromiumDevTools.Find();
        if (chromium is null)
        {
            Assert.Skip("chromium is not installed: install the Debian package chromium (apt-get install chromium) to run this browser test.");
        }

        var server = new ServerTimeline();
        await using var factory = new Http2WebApplicationFactory<Program>().WithHttp2WebHostBuilder(b =>
            b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(server)));
        var url = $"https://localhost:{factory.ServerAddress.Port}/auto-hints";

        // What the server did with hints, for the failure message: this app's early hints and automatic hints instruments.
        var meterFactory = factory.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var measurements = new ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Name.StartsWith("http2features.early_hints", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagText = new List<string>();
            foreach (var tag in tags)
            {
                tagText.Add($"{tag.Key}={tag.Value}");
            }

            measurements.Enqueue($"{instrument.Name} {value} [{string.Join(",", tagText)}]");
        });
        listener.Start();
        await using var browser = await ChromiumDevTools.LaunchAsync(chromium!, factory.Certificate, Ct);
        var tab = await browser.OpenTabAsync(Ct);
        await browser.SendAsync("Network.enable", null, tab, Ct);
        await browser.SendAsync("Page.enable", null, tab, Ct);

        var first = await NavigateAsync(browser, tab, url);
        await browser.SendAsync("Network.clearBrowserCache", null, tab, Ct);   // the second navigation's preloads must reach the server
        server.Clear();
        var second = await NavigateAsync(browser, tab, url);

        var report = string.Format(CultureInfo.InvariantCulture, "{0}",
            $"Chromium second navigation to /auto-hints (h2, ms after the navigation request): final response headers +{second.FinalResponse:F1}; " +
            string.Join("; ", second.Preloads.Select(p => $"{p.Key} reported by DevTools at +{p.Value:F1}")) +
            $"; server: /app.js, /style.css arrived {Ms(server.First("/auto-hints", ServerTimeline.ResponseStarted) - server.First("/app.js", ServerTimeline.Arrived)):F1}/{Ms(server.First("/auto-hints", ServerTimeline.ResponseStarted) - server.First("/style.css", ServerTimeline.Arrived)):F1} ms before the page's response started");
        report += "; server metrics: " + string.Join("; ", measurements);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        if (Environment.GetEnvironmentVariable("HTTP2FEATURES_CHROMIUM_REPORT") is { Length: > 0 } reportFile)
        {
            await File.AppendAllTextAsync(reportFile, report + Environment.NewLine, Ct);
        }

        first.EarlyHints.Should().BeNull("nothing was learned before the first response");
        second.Protocol.Should().Be("h2");
        second.EarlyHints.Should().NotBeNull("the second navigation gets the learned links as a 103 ({0})", report);
        second.EarlyHints!.Value.GetProperty("headers").EnumerateObject()
            .Where(h => h.Name.Equals("link", StringComparison.OrdinalIgnoreCase)).Should().ContainSingle()
            .Which.Value.GetString().Should().Contain("</style.css>; rel=preload; as=style").And.Contain("</app.js>; rel=preload; as=script");
        second.Preloads.Keys.Should().BeEquivalentTo("/style.css", "/app.js");
        var serverPageStarted = server.First("/auto-hints", ServerTimeline.ResponseStarted);
        server.First("/style.css", ServerTimeline.Arrived).Should().BeLessThan(serverPageStarted, "the server saw the preload while the page was still being computed");
        server.First("/app.js", ServerTimeline.Arrived).Should().BeLessThan(serverPageStarted);

    }

    private static double Ms(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;

    private static async Task<Navigation> NavigateAsync(ChromiumDevTools browser, string tab, string url)
    {
        var from = browser.Events.Count;
        await browser.SendAsync("Page.navigate", new JsonObject { ["url"] = url }, tab, Ct);
        await browser.WaitForEventAsync(from, e => e.Method == "Page.loadEventFired" && e.SessionId == tab, TimeSpan.FromSeconds(60), Ct);
        var events = browser.Events.Skip(from).Where(e => e.SessionId == tab).ToList();

        var document = events.First(e => e.Method == "Network.requestWillBeSent" && e.Url == url && e.Params.GetProperty("type").GetString() == "Document");
        var id = document.RequestId;
        var response = events.First(e => e.Method == "Network.responseReceived" && e.RequestId == id);
        JsonElement? hints = events.FirstOrDefault(e => e.Method == "Network.responseReceivedEarlyHints" && e.RequestId == id)?.Params;
        var start = document.Timestamp;
        var preloads = new Dictionary<string, double>();
        foreach (var request in events.Where(e => e.Method == "Network.requestWillBeSent"))
        {
            var path = new Uri(request.Url!).AbsolutePath;
            if (path is "/style.css" or "/app.js" && !preloads.ContainsKey(path))
            {
                preloads[path] = (request.Timestamp - start) * 1000;
            }
        }

        return new Navigation(
            (response.Timestamp - start) * 1000,
            response.Params.GetProperty("response").TryGetProperty("protocol", out var protocol) ? protocol.GetString() : null,
            hints,
            preloads);
    }

    /// <param name="FinalResponse">Milliseconds from the navigation request to the final response's headers.</param>
    /// <param name="Preloads">Milliseconds from the navigation request to the first request of each hinted file.</param>
    private sealed record Navigation(double FinalResponse, string? Protocol, JsonElement? EarlyHints, Dictionary<string, double> Preloads);

    /// <summary>When requests arrive at the server and when their responses start (Stopwatch ticks), outermost middleware.</summary>
    private sealed class ServerTimeline : IStartupFilter
    {
        public const string Arrived = "arrived";
        public const string ResponseStarted = "started";

        private readonly ConcurrentQueue<(string Path, string What, long At)> _marks = new();

        public void Clear() => _marks.Clear();

        public long First(string path, string what) =>
            _marks.Where(m => m.Path == path && m.What == what).Select(m => m.At).DefaultIfEmpty(long.MaxValue).First();

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
            app =>
            {
                app.Use(async (context, nextMiddleware) =>
                {
                    var path = context.Request.Path.Value ?? "";
                    _marks.Enqueue((path, Arrived, Stopwatch.GetTimestamp()));
                    if (path == "/auto-hints")
                    {
                        // A network's round trip, which loopback lacks: Chromium drops a 103 that arrives before it has
                        // finished sending the request (net/spdy/spdy_http_stream.cc; docs/http2.md, Troubleshooting).
                        // The automatic 103 goes out before the handler runs, and once the suite has warmed the JIT
                        // the server answered that fast here: Chromium then ignored it (the server's metrics said sent).
                        await Task.Delay(20, context.RequestAborted);
                    }

                    context.Response.OnStarting(() =>
                    {
                        _marks.Enqueue((path, ResponseStarted, Stopwatch.GetTimestamp()));
                        return Task.CompletedTask;
                    });
                    await nextMiddleware(context);
                });
                next(app);
            };
    }
}
