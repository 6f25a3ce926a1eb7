using BenchmarkDotNet.Attributes;
using Http2Features.Connection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Http2Features.Benchmarks;

/// <summary>
/// What stream priority adds to one request on an HTTP/2 connection the seam observes. A request that never asks
/// runs none of the pack's code (no middleware), so the baseline is the bare request; one that asks rents the pooled
/// feature on first use, reads its urgency (header parsed, stream looked up) and gives it back when the request
/// completes. Expected allocation: 0 bytes for both.
/// </summary>
[MemoryDiagnoser]
public class PriorityResolveBenchmarks
{
    private readonly StreamIdFeature _streamId = new();
    private readonly ReusableResponseFeature _response = new();
    private DefaultHttpContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        var seam = new ConnectionSeamState();
        seam.SetProtocol(SeamProtocol.Http2);
        var priority = new Http2Features.Priority.StreamPriorityConnection(seam, maxConcurrentStreams: 100);
        priority.Priorities.OnPriority(1, 0, 42, false, opensStream: true);
        _context = new DefaultHttpContext();
        _context.Features.Set<IHttpResponseFeature>(_response);
        _context.Features.Set<IConnectionSeam>(seam);
        _context.Features.Set(priority);
        _context.Features.Set<IHttp2StreamIdFeature>(_streamId);
        _context.Request.Headers["priority"] = "u=1, i";
    }

    /// <summary>A request that never asks for its priority.</summary>
    [Benchmark(Baseline = true)]
    public int RequestThatNeverReadsPriority()
    {
        _streamId.StreamId = _streamId.StreamId > 1_000_000_000 ? 1 : _streamId.StreamId + 2;
        _response.Complete();
        return _streamId.StreamId;
    }

    /// <summary>A request that reads its urgency: resolve on first use, parse, look up, release on completion.</summary>
    [Benchmark]
    public int RequestThatReadsUrgency()
    {
        _streamId.StreamId = _streamId.StreamId > 1_000_000_000 ? 1 : _streamId.StreamId + 2;
        var urgency = _context.GetStreamPriority().Urgency;
        _response.Complete();
        return urgency;
    }

    private sealed class StreamIdFeature : IHttp2StreamIdFeature
    {
        public int StreamId { get; set; } = 1;
    }

    private sealed class ReusableResponseFeature : HttpResponseFeature
    {
        private readonly Stack<(Func<object, Task> Callback, object State)> _onCompleted = new();

        public override void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Push((callback, state));

        public void Complete()
        {
            while (_onCompleted.TryPop(out var entry))
            {
                _ = entry.Callback(entry.State);
            }
        }
    }
}
