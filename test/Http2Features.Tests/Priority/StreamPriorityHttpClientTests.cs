using FluentAssertions;
using Http2Features.Connection;
using Http2Features.Priority;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Priority;

/// <summary>What an app sees with an ordinary client (HttpClient sends no priority signals).</summary>
public class StreamPriorityHttpClientTests
{
    [Fact]
    public async Task An_HTTP2_request_gets_its_priority_with_defaults_on_first_use_and_keeps_it_on_Features()
    {
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(context =>
            {
                var before = context.Features.Get<IHttp2StreamPriorityFeature>();
                var priority = context.GetStreamPriority();
                var after = context.Features.Get<IHttp2StreamPriorityFeature>();
                var seam = (ConnectionSeamState)context.Features.Get<IConnectionSeam>()!;
                return context.Response.WriteAsync(
                    $"{before is null}|{ReferenceEquals(priority, after)}|{ReferenceEquals(priority, context.GetStreamPriority())}|{priority.StreamId > 0}|{PriorityTestApp.Describe(priority)}");
            }),
            b => b.Services.AddHttp2Features());
        using var client = app.CreateHttp2Client();

        for (var i = 0; i < 3; i++)
        {
            (await client.GetStringAsync("/", TestContext.Current.CancellationToken))
                .Should().Be("True|True|True|True|True|16|0|False|3|False|False");
        }
    }

    [Fact]
    public async Task Requests_that_never_ask_cost_no_priority_table()
    {
        ConnectionSeamState? seen = null;
        StreamPriorityConnection? priority = null;
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(context =>
            {
                seen = (ConnectionSeamState)context.Features.Get<IConnectionSeam>()!;
                priority = context.Features.Get<StreamPriorityConnection>();
                return context.Response.WriteAsync("ok");
            }),
            b => b.Services.AddHttp2Features());
        using var client = app.CreateHttp2Client();

        for (var i = 0; i < 20; i++)
        {
            await client.GetStringAsync("/", TestContext.Current.CancellationToken);
        }

        priority!.Priorities.Capacity.Should().Be(0);
        seen!.Protocol.Should().Be(SeamProtocol.Http2);
    }

    [Fact]
    public async Task A_request_that_never_asks_gets_no_feature_rents_nothing_and_its_signals_go_when_the_stream_ends()
    {
        ConnectionSeamState? seen = null;
        StreamPriorityConnection? priority = null;
        var featureBeforeAnyoneAsked = new List<bool>();
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(context =>
            {
                seen = (ConnectionSeamState)context.Features.Get<IConnectionSeam>()!;
                priority = context.Features.Get<StreamPriorityConnection>();
                lock (featureBeforeAnyoneAsked)
                {
                    featureBeforeAnyoneAsked.Add(context.Features.Get<IHttp2StreamPriorityFeature>() is not null);
                }

                return context.Response.WriteAsync("ok");
            }),
            b => b.Services.AddHttp2Features());
        await using var client = await app.CreateRawClientAsync();

        for (var i = 0; i < 10; i++)
        {
            // Signals the app never reads: RFC 7540 priority in HEADERS and the RFC 9218 header.
            var stream = await client.SendRequestAsync(
                new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(0, 50 + i, false) }.WithHeader("priority", "u=1"),
                TestContext.Current.CancellationToken);
            (await stream.ReadResponseAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)).BodyText.Should().Be("ok");

            // The seam drops the entry when Kestrel's END_STREAM passes it, before the client can see the response end.
            priority!.Priorities.Count.Should().Be(0, $"the entry of ended stream {stream.StreamId} is gone");
        }

        featureBeforeAnyoneAsked.Should().HaveCount(10).And.OnlyContain(present => !present, "no middleware puts a feature on Features");
        priority!.PriorityFeatures.Count.Should().Be(0, "nothing was rented from the pool");
        seen!.PrioritySignals.Should().BeGreaterThanOrEqualTo(10);
    }
}
