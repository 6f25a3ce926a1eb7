using FluentAssertions;
using Http2Features.Connection;
using Http2Features.Priority;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Http2Features.Tests.Priority;

/// <summary>
/// The middleware's synchronous path, measured in-process: once a connection's pool has warmed up, a request
/// costs the pack no allocation, whether or not the app reads its priority.
/// </summary>
public class StreamPriorityMiddlewareAllocationTests
{
    private const int Requests = 10_000;

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Steady_state_request_allocates_nothing(bool http2, bool appReadsPriority)
    {
        var seam = new ConnectionSeamState(maxConcurrentStreams: 100);
        seam.SetProtocol(http2 ? SeamProtocol.Http2 : SeamProtocol.Http11);
        var streamId = new StreamIdFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IConnectionSeam>(seam);
        if (http2)
        {
            context.Features.Set<IHttp2StreamIdFeature>(streamId);

            // The client sent a signal: the table holds entries, so release has real work to do.
            seam.Priorities.OnPriority(1, 0, 42, false, opensStream: true);
        }

        context.Request.Headers["priority"] = "u=1, i";
        var seen = 0;
        var middleware = new StreamPriorityMiddleware(c =>
        {
            if (appReadsPriority)
            {
                var p = c.Features.Get<IHttp2StreamPriorityFeature>()!;
                seen += p.Urgency + (p.Weight ?? 0);
            }

            return Task.CompletedTask;
        });

        RunRequests(middleware, context, streamId, 100); // warm up: pool, table, JIT
        var before = GC.GetAllocatedBytesForCurrentThread();
        RunRequests(middleware, context, streamId, Requests);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0, $"{Requests} requests through the middleware (http2={http2}, read={appReadsPriority})");
        seam.PriorityFeatures.Count.Should().Be(1, "one object served every sequential request");
        context.Features.Get<IHttp2StreamPriorityFeature>().Should().BeNull("the feature goes back to the pool when the request ends");
        if (appReadsPriority)
        {
            seen.Should().BeGreaterThan(0);
        }
    }

    [Fact]
    public void The_header_is_not_parsed_until_the_app_reads_the_priority()
    {
        var seam = new ConnectionSeamState(maxConcurrentStreams: 100);
        seam.SetProtocol(SeamProtocol.Http11);
        var context = new DefaultHttpContext();
        context.Features.Set<IConnectionSeam>(seam);
        context.Request.Headers["priority"] = "u=6";
        var states = new List<string>();
        var middleware = new StreamPriorityMiddleware(c =>
        {
            var feature = (StreamPriorityFeature)c.Features.Get<IHttp2StreamPriorityFeature>()!;
            states.Add($"{feature.IsResolved}");
            states.Add($"{feature.Urgency}|{feature.IsResolved}");
            return Task.CompletedTask;
        });

        middleware.InvokeAsync(context).IsCompletedSuccessfully.Should().BeTrue();

        states.Should().Equal("False", "6|True");
    }

    private static void RunRequests(StreamPriorityMiddleware middleware, DefaultHttpContext context, StreamIdFeature streamId, int count)
    {
        for (var i = 0; i < count; i++)
        {
            streamId.StreamId += 2;
            var task = middleware.InvokeAsync(context);
            if (!task.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("the synchronous path went async");
            }
        }
    }

    private sealed class StreamIdFeature : IHttp2StreamIdFeature
    {
        public int StreamId { get; set; } = 1;
    }
}
