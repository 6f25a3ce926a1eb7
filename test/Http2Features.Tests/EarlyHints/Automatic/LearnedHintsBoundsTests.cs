using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Http2Features.EarlyHints;
using Http2Features.EarlyHints.Automatic;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.EarlyHints.Automatic;

/// <summary>
/// The learned store under 100,000 distinct paths, driven through the real middleware in-process (no sockets: the
/// bound is about the store, and 100,000 TLS requests would take minutes on the CI box).
/// </summary>
public class LearnedHintsBoundsTests
{
    private const int Paths = 100_000;

    [Theory]
    [InlineData(100, 1024 * 1024)]     // the entry bound bites
    [InlineData(100_000, 16 * 1024)]   // the byte bound bites
    public void Entries_and_bytes_stay_within_the_bounds_for_100000_distinct_keys_and_evictions_are_counted(int maxEntries, long maxBytes)
    {
        using var harness = new MiddlewareHarness(o =>
        {
            o.MaxEntries = maxEntries;
            o.MaxBytes = maxBytes;
            o.KeyRouteValues.Add("path");   // every path its own key: the worst case for the bounds
        });
        var stopwatch = Stopwatch.StartNew();
        var (mostEntries, mostBytes) = (0, 0L);

        for (var i = 0; i < Paths; i++)
        {
            harness.Navigate("p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            (mostEntries, mostBytes) = (Math.Max(mostEntries, harness.Store.Count), Math.Max(mostBytes, harness.Store.Bytes));
        }

        stopwatch.Stop();
        mostEntries.Should().BeLessThanOrEqualTo(maxEntries, "checked after every request");
        mostBytes.Should().BeLessThanOrEqualTo(maxBytes, "checked after every request");
        var kept = harness.Store.Count;
        kept.Should().BeGreaterThan(0);
        harness.Sum(AutomaticEarlyHintsMetrics.EvictionsName).Should().Be(Paths - kept);
        harness.Sum(AutomaticEarlyHintsMetrics.EntriesName).Should().Be(kept);
        harness.Sum(AutomaticEarlyHintsMetrics.SizeName).Should().Be(harness.Store.Bytes);
        harness.Sum(AutomaticEarlyHintsMetrics.LookupsName, "miss").Should().Be(Paths);
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "eviction is O(1) amortised: a scan per insert would take hours here");

        // The newest paths are the ones kept, and they still replay.
        harness.Navigate("p" + (Paths - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        harness.Sum(AutomaticEarlyHintsMetrics.LookupsName, "hit").Should().Be(1);
    }

    [Fact]
    public void Requests_that_may_not_learn_are_not_counted_as_lookups_whether_or_not_something_was_learned()
    {
        // The miss path decides whether a request may learn only once its response has links (or when the lookups
        // counter is listened to, as here): the counter must still count navigations only.
        using var harness = new MiddlewareHarness(o => o.KeyRouteValues.Add("path"));

        harness.Fetch("a");
        harness.Fetch("a");
        harness.Store.Count.Should().Be(0, "a fetch() learns nothing, although its response has links");
        harness.Navigate("a");
        harness.Fetch("a");

        harness.Store.Count.Should().Be(1);
        harness.Sum(AutomaticEarlyHintsMetrics.LookupsName, "miss").Should().Be(1, "only the navigation looked");
        harness.Sum(AutomaticEarlyHintsMetrics.LookupsName, "hit").Should().Be(0, "the fetch after it gets no hints");
    }

    [Fact]
    public void By_default_100000_distinct_paths_of_one_route_share_one_entry()
    {
        using var harness = new MiddlewareHarness(_ => { });

        for (var i = 0; i < Paths; i++)
        {
            harness.Navigate("p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), sameLinks: true);
        }

        harness.Store.Count.Should().Be(1);
        harness.Sum(AutomaticEarlyHintsMetrics.LookupsName, "hit").Should().Be(Paths - 1);
        harness.Sum(AutomaticEarlyHintsMetrics.ChangesName).Should().Be(1, "the same links every time change nothing");
    }

    [Fact]
    public void A_used_entry_gets_a_second_chance_over_an_unused_older_one()
    {
        using var harness = new MiddlewareHarness(o =>
        {
            o.MaxEntries = 2;
            o.KeyRouteValues.Add("path");
        });

        harness.Navigate("a");
        harness.Navigate("b");
        harness.Navigate("a");   // a hit: a is in use
        harness.Navigate("c");   // evicts b, not a

        harness.Store.TryGet(harness.KeyOf("a")).Should().NotBeNull();
        harness.Store.TryGet(harness.KeyOf("b")).Should().BeNull();
        harness.Store.TryGet(harness.KeyOf("c")).Should().NotBeNull();
    }

    /// <summary>The real middleware and its DI services around one catch-all route endpoint.</summary>
    private sealed class MiddlewareHarness : IDisposable
    {
        private readonly ServiceProvider _services;
        private readonly AutomaticEarlyHintsMiddleware _middleware;
        private readonly RouteEndpoint _endpoint;
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Name, long Value, string? Result)> _measurements = new();

        public MiddlewareHarness(Action<AutomaticEarlyHintsOptions> configure)
        {
            var services = new ServiceCollection();
            services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
            services.AddHttp2Features(o =>
            {
                o.EarlyHints.Automatic.Enabled = true;
                configure(o.EarlyHints.Automatic);
            });
            _services = services.BuildServiceProvider();
            Store = _services.GetRequiredService<LearnedHintsStore>();
            var factory = _services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("http2features.early_hints.automatic.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                string? result = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == AutomaticEarlyHintsMetrics.ResultTag)
                    {
                        result = tag.Value as string;
                    }
                }

                _measurements.Enqueue((instrument.Name, value, result));
            });
            _listener.Start();

            _endpoint = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/{**path}"), 0, EndpointMetadataCollection.Empty, "catch-all");
            _middleware = new AutomaticEarlyHintsMiddleware(
                context =>
                {
                    var path = (string)context.Request.RouteValues["path"]!;
                    context.Response.Headers.Link = Links(context.Items.ContainsKey("same") ? "same" : path);
                    return Task.CompletedTask;
                },
                _services.GetRequiredService<EarlyHintsService>(),
                Store,
                _services.GetRequiredService<AutomaticEarlyHintsMetrics>(),
                _services.GetRequiredService<ILoggerFactory>());
        }

        public LearnedHintsStore Store { get; }

        public HintKey KeyOf(string path) => new(_endpoint, path);

        public void Navigate(string path, bool sameLinks = false) => Request(path, "navigate", sameLinks);

        /// <summary>A fetch() of the same page: not a navigation, so by default it neither learns nor gets hints.</summary>
        public void Fetch(string path) => Request(path, "cors", sameLinks: false);

        private void Request(string path, string fetchMode, bool sameLinks)
        {
            var context = new DefaultHttpContext { RequestServices = _services };
            context.Request.Protocol = "HTTP/2";
            context.Request.Method = "GET";
            context.Request.Path = "/" + path;
            context.Request.Headers["Sec-Fetch-Mode"] = fetchMode;
            context.Request.RouteValues["path"] = path;
            if (sameLinks)
            {
                context.Items["same"] = true;
            }

            context.SetEndpoint(_endpoint);
            if (!_middleware.InvokeAsync(context).IsCompletedSuccessfully)
            {
                Assert.Fail("The middleware did not complete synchronously around a synchronous app.");
            }
        }

        public long Sum(string instrument, string? result = null) =>
            _measurements.Where(m => m.Name == instrument && (result is null || m.Result == result)).Sum(m => m.Value);

        public void Dispose()
        {
            _listener.Dispose();
            _services.Dispose();
        }

        private static string Links(string path) =>
            $"</assets/{path}/site.css>; rel=preload; as=style, </assets/{path}/app.js>; rel=modulepreload";
    }
}
