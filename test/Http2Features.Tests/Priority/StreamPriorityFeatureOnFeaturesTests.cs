using FluentAssertions;
using Http2Features.Priority;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Priority;

/// <summary>
/// The feature arrives on <c>HttpContext.Features</c> on first use (<c>GetStreamPriority()</c>, resolved from the
/// connection), and pooled objects never leak one request's state into another.
/// </summary>
public class StreamPriorityFeatureOnFeaturesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static Task<Http2TestApp> StartAsync(Action<WebApplication> configure) =>
        Http2TestApp.StartAsync(configure, b => b.Services.AddHttp2Features());

    private static string DescribeFromFeatures(HttpContext context)
    {
        if (context.Features.Get<IHttp2StreamPriorityFeature>() is not null)
        {
            return "on Features before first use";
        }

        var priority = context.GetStreamPriority();
        return ReferenceEquals(priority, context.Features.Get<IHttp2StreamPriorityFeature>()) ? PriorityTestApp.Describe(priority) : "not on Features";
    }

    [Fact]
    public async Task Features_Get_has_the_RFC_defaults_for_a_plain_HTTP2_request()
    {
        await using var app = await StartAsync(a => a.Run(c => c.Response.WriteAsync(DescribeFromFeatures(c))));
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/", TestContext.Current.CancellationToken);

        response.BodyText.Should().Be("True|16|0|False|3|False|False");
    }

    [Fact]
    public async Task Features_Get_reflects_weight_dependency_and_urgency_of_a_prioritised_request()
    {
        await using var app = await StartAsync(a => a.Run(c => c.Response.WriteAsync(DescribeFromFeatures(c))));
        await using var client = await app.CreateRawClientAsync();
        var first = await client.GetAsync("/", TestContext.Current.CancellationToken);
        first.BodyText.Should().Be("True|16|0|False|3|False|False");

        var stream = await client.SendRequestAsync(
            new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(1, 99, true) }.WithHeader("priority", "u=1, i"),
            TestContext.Current.CancellationToken);

        (await stream.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText
            .Should().Be("True|99|1|True|1|True|False");
    }

    [Fact]
    public async Task HTTP11_over_TLS_gets_urgency_and_incremental_from_the_header_without_HTTP2_fields()
    {
        await using var app = await StartAsync(a => a.Run(c => c.Response.WriteAsync(c.Request.Protocol + "|" + DescribeFromFeatures(c))));
        using var client = app.CreateHttp11Client();

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.TryAddWithoutValidation("priority", i == 1 ? "u=0" : "u=6, i");
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))
                .Should().Be(i == 1 ? "HTTP/1.1|False|-|-|-|0|False|False" : "HTTP/1.1|False|-|-|-|6|True|False");
        }
    }

    [Fact]
    public async Task A_reused_feature_carries_none_of_the_earlier_requests_values_or_Changed_handlers()
    {
        IHttp2StreamPriorityFeature? firstFeature = null;
        var firstHandlerCalls = 0;
        var secondStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await StartAsync(a =>
        {
            a.Map("/first", (HttpContext c) =>
            {
                // OnCompleted callbacks run last-registered first: this one runs after the feature went back to the pool.
                c.Response.OnCompleted(() =>
                {
                    firstReturned.TrySetResult();
                    return Task.CompletedTask;
                });
                firstFeature = c.GetStreamPriority();
                firstFeature.Changed += (_, _) => Interlocked.Increment(ref firstHandlerCalls);
                return PriorityTestApp.Describe(firstFeature);
            });
            a.Map("/second", async (HttpContext c) =>
            {
                var feature = c.GetStreamPriority();
                var reused = ReferenceEquals(feature, firstFeature);
                var before = PriorityTestApp.Describe(feature);
                var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                feature.Changed += (_, _) => changed.TrySetResult();
                secondStarted.TrySetResult();
                await changed.Task.WaitAsync(Timeout);
                return $"{reused}|{before} => {PriorityTestApp.Describe(feature)}|{Volatile.Read(ref firstHandlerCalls)}";
            });
        });
        await using var client = await app.CreateRawClientAsync();

        var first = await client.SendRequestAsync(
            new RawHttp2Request { Path = "/first", Priority = new Http2PriorityData(0, 200, true) }.WithHeader("priority", "u=0, i"),
            TestContext.Current.CancellationToken);
        (await first.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText.Should().Be("True|200|0|True|0|True|False");

        await firstReturned.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        var second = await client.SendRequestAsync(new RawHttp2Request { Path = "/second" }, TestContext.Current.CancellationToken);
        await secondStarted.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        await client.SendPriorityUpdateAsync(second.StreamId, "u=2", TestContext.Current.CancellationToken);

        (await second.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText
            .Should().Be("True|True|16|0|False|3|False|False => True|16|0|False|2|False|True|0");
    }

    [Fact]
    public async Task Many_concurrent_streams_each_see_their_own_values()
    {
        const int Streams = 24;
        var inFlight = 0;
        var allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await StartAsync(a => a.Run(async c =>
        {
            var feature = c.GetStreamPriority();
            if (Interlocked.Increment(ref inFlight) == Streams)
            {
                allIn.TrySetResult();
            }

            // Every request holds its pooled feature until all of them run at once.
            await allIn.Task.WaitAsync(Timeout);
            await c.Response.WriteAsync(PriorityTestApp.Describe(feature));
        }));
        await using var client = await app.CreateRawClientAsync();

        var streams = new List<(RawHttp2Stream Stream, int Weight, int Urgency)>();
        for (var i = 0; i < Streams; i++)
        {
            var weight = 10 + i;
            var urgency = i % 8;
            var stream = await client.SendRequestAsync(
                new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(0, weight, false) }.WithHeader("priority", $"u={urgency}"),
                TestContext.Current.CancellationToken);
            streams.Add((stream, weight, urgency));
        }

        foreach (var (stream, weight, urgency) in streams)
        {
            (await stream.ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).BodyText
                .Should().Be($"True|{weight}|0|False|{urgency}|False|False");
        }
    }

    [Fact]
    public async Task Without_the_pack_GetStreamPriority_still_creates_the_header_only_feature()
    {
        await using var app = await Http2TestApp.StartAsync(a => a.Run(c =>
        {
            var before = c.Features.Get<IHttp2StreamPriorityFeature>();
            var priority = c.GetStreamPriority();
            return c.Response.WriteAsync($"{before is null}|{ReferenceEquals(priority, c.Features.Get<IHttp2StreamPriorityFeature>())}|{PriorityTestApp.Describe(priority)}");
        }));
        using var client = app.CreateHttp2Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("priority", "u=4");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Be("True|True|False|-|-|-|4|False|False");
    }
}
