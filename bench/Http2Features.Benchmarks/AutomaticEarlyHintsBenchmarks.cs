using BenchmarkDotNet.Attributes;
using Http2Features.EarlyHints;
using Http2Features.EarlyHints.Automatic;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Benchmarks;

/// <summary>
/// What <c>UseAutomaticEarlyHints()</c> adds to an HTTP/2 navigation of an endpoint for which nothing is learned
/// (the miss path): options, endpoint metadata, request checks, one store lookup, and after the (synchronous) app one
/// look at the response's Link header. Expected allocation: 0 bytes. Baseline: the same middleware with learning off.
/// </summary>
[MemoryDiagnoser]
public class AutomaticEarlyHintsBenchmarks
{
    private ServiceProvider _services = null!;
    private DefaultHttpContext _context = null!;
    private AutomaticEarlyHintsMiddleware _off = null!;
    private AutomaticEarlyHintsMiddleware _on = null!;

    [GlobalSetup]
    public void Setup()
    {
        _off = Create(enabled: false, out _);
        _on = Create(enabled: true, out _services);
        var endpoint = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/page/{id}"), 0, EndpointMetadataCollection.Empty, "page");
        _context = new DefaultHttpContext { RequestServices = _services };
        _context.Request.Protocol = "HTTP/2";
        _context.Request.Method = "GET";
        _context.Request.Path = "/page/1";
        _context.Request.Headers["Sec-Fetch-Mode"] = "navigate";
        _context.Request.Headers["Sec-Fetch-Dest"] = "document";
        _context.Request.RouteValues["id"] = "1";
        _context.SetEndpoint(endpoint);
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>Learning off: the middleware reads its options and the endpoint and calls the app.</summary>
    [Benchmark(Baseline = true)]
    public Task AutomaticOff() => _off.InvokeAsync(_context);

    /// <summary>Learning on, nothing learned for the endpoint and the page sets no Link header: a miss.</summary>
    [Benchmark]
    public Task AutomaticOnMiss() => _on.InvokeAsync(_context);

    private static AutomaticEarlyHintsMiddleware Create(bool enabled, out ServiceProvider provider)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddHttp2Features(o => o.EarlyHints.Automatic.Enabled = enabled);
        provider = services.BuildServiceProvider();
        return new AutomaticEarlyHintsMiddleware(
            static _ => Task.CompletedTask,
            provider.GetRequiredService<EarlyHintsService>(),
            provider.GetRequiredService<LearnedHintsStore>(),
            provider.GetRequiredService<AutomaticEarlyHintsMetrics>(),
            provider.GetRequiredService<ILoggerFactory>());
    }
}
