using FluentAssertions;
using Http2Features.Connection;
using Http2Features.Priority;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Http2Features.Tests.Priority;

/// <summary>
/// <c>GetStreamPriority()</c> resolving the feature on first use, measured in-process with a response feature that,
/// like Kestrel's, keeps its OnCompleted list across the requests of a pooled stream: once the connection's pool has
/// warmed up, a request that asks for its priority costs the pack no allocation.
/// </summary>
public class StreamPriorityFeatureAllocationTests
{
    private const int Requests = 10_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Steady_state_request_that_reads_its_priority_allocates_nothing(bool http2)
    {
        var (context, response, seam, streamId) = CreateRequest(http2);
        var seen = 0;
        Action<HttpContext> handler = c =>
        {
            var p = c.GetStreamPriority();
            seen += p.Urgency + (p.Weight ?? 0);
        };

        RunRequests(context, response, streamId, handler, 5_000); // warm up: pool, table, JIT tiers
        var before = GC.GetAllocatedBytesForCurrentThread();
        RunRequests(context, response, streamId, handler, Requests);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0, $"{Requests} requests reading their priority (http2={http2})");
        seam.PriorityFeatures.Count.Should().Be(1, "one object served every sequential request");
        context.Features.Get<IHttp2StreamPriorityFeature>().Should().BeNull("the feature leaves Features when the request completes");
        seen.Should().BeGreaterThan(0);
        if (http2)
        {
            seam.Priorities.Count.Should().Be(1, "only the signal for stream 1 remains; each request's own entry went with it");
        }
    }

    [Fact]
    public void The_header_is_not_parsed_until_the_app_reads_a_value()
    {
        var (context, _, _, _) = CreateRequest(http2: false);
        context.Request.Headers["priority"] = "u=6";

        var feature = (StreamPriorityFeature)context.GetStreamPriority();
        var before = feature.IsResolved;
        var urgency = feature.Urgency;

        (before, urgency, feature.IsResolved).Should().Be((false, 6, true));
    }

    [Fact]
    public void A_feature_set_by_the_app_is_returned_as_it_is_and_nothing_is_rented()
    {
        var (context, _, seam, _) = CreateRequest(http2: true);
        var own = new StreamPriorityFeature(headerUrgency: 0, headerIncremental: true);
        context.Features.Set<IHttp2StreamPriorityFeature>(own);

        context.GetStreamPriority().Should().BeSameAs(own);
        seam.PriorityFeatures.Count.Should().Be(0);
    }

    private static (DefaultHttpContext Context, ReusableResponseFeature Response, StreamPriorityConnection Seam, StreamIdFeature StreamId) CreateRequest(bool http2)
    {
        var state = new ConnectionSeamState();
        state.SetProtocol(http2 ? SeamProtocol.Http2 : SeamProtocol.Http11);
        var seam = new StreamPriorityConnection(state, maxConcurrentStreams: 100);
        var streamId = new StreamIdFeature();
        var response = new ReusableResponseFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Features.Set<IConnectionSeam>(state);
        context.Features.Set(seam);
        if (http2)
        {
            context.Features.Set<IHttp2StreamIdFeature>(streamId);

            // The client sent a signal: the table holds entries, so resolving and releasing have real work to do.
            seam.Priorities.OnPriority(1, 0, 42, false, opensStream: true);
        }

        context.Request.Headers["priority"] = "u=1, i";
        return (context, response, seam, streamId);
    }

    private static void RunRequests(DefaultHttpContext context, ReusableResponseFeature response, StreamIdFeature streamId, Action<HttpContext> handler, int count)
    {
        for (var i = 0; i < count; i++)
        {
            streamId.StreamId += 2;
            handler(context);
            response.Complete();
        }
    }

    private sealed class StreamIdFeature : IHttp2StreamIdFeature
    {
        public int StreamId { get; set; } = 1;
    }

    /// <summary>Runs OnCompleted callbacks last-registered first and keeps its list for the next request, as Kestrel does.</summary>
    private sealed class ReusableResponseFeature : HttpResponseFeature
    {
        private readonly Stack<(Func<object, Task> Callback, object State)> _onCompleted = new();

        public override void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Push((callback, state));

        public void Complete()
        {
            while (_onCompleted.TryPop(out var entry))
            {
                if (!entry.Callback(entry.State).IsCompletedSuccessfully)
                {
                    throw new InvalidOperationException("an OnCompleted callback went async");
                }
            }
        }
    }
}
