using BenchmarkDotNet.Attributes;
using Http2Features.Connection;
using Http2Features.Priority;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Http2Features.Benchmarks;

/// <summary>
/// What the priority middleware adds to one request on an HTTP/2 connection the seam observes: rent the
/// pooled feature, set it on Features, run a synchronous app, take it back. Expected allocation: 0 bytes.
/// </summary>
[MemoryDiagnoser]
public class PriorityMiddlewareBenchmarks
{
    private readonly StreamIdFeature _streamId = new();
    private DefaultHttpContext _context = null!;
    private StreamPriorityMiddleware _untouched = null!;
    private StreamPriorityMiddleware _reads = null!;

    [GlobalSetup]
    public void Setup()
    {
        var seam = new ConnectionSeamState(maxConcurrentStreams: 100);
        seam.SetProtocol(SeamProtocol.Http2);
        seam.Priorities.OnPriority(1, 0, 42, false, opensStream: true);
        _context = new DefaultHttpContext();
        _context.Features.Set<IConnectionSeam>(seam);
        _context.Features.Set<IHttp2StreamIdFeature>(_streamId);
        _context.Request.Headers["priority"] = "u=1, i";
        _untouched = new StreamPriorityMiddleware(static _ => Task.CompletedTask);
        _reads = new StreamPriorityMiddleware(static c =>
            c.Features.Get<IHttp2StreamPriorityFeature>()!.Urgency > 7 ? Task.FromCanceled(default) : Task.CompletedTask);
    }

    /// <summary>A request that never asks for its priority.</summary>
    [Benchmark(Baseline = true)]
    public Task RequestThatNeverReadsPriority()
    {
        _streamId.StreamId = _streamId.StreamId > 1_000_000_000 ? 1 : _streamId.StreamId + 2;
        return _untouched.InvokeAsync(_context);
    }

    /// <summary>A request that reads its urgency (header parsed, stream looked up in the table).</summary>
    [Benchmark]
    public Task RequestThatReadsUrgency()
    {
        _streamId.StreamId = _streamId.StreamId > 1_000_000_000 ? 1 : _streamId.StreamId + 2;
        return _reads.InvokeAsync(_context);
    }

    private sealed class StreamIdFeature : IHttp2StreamIdFeature
    {
        public int StreamId { get; set; } = 1;
    }
}
