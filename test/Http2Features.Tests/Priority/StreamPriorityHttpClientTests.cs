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
    public async Task Every_HTTP2_request_has_a_priority_with_defaults_on_Features_before_anyone_asks()
    {
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(context =>
            {
                var before = context.Features.Get<IHttp2StreamPriorityFeature>();
                var priority = context.GetStreamPriority();
                var after = context.Features.Get<IHttp2StreamPriorityFeature>();
                var seam = (ConnectionSeamState)context.Features.Get<IConnectionSeam>()!;
                return context.Response.WriteAsync(
                    $"{before is not null && ReferenceEquals(before, priority)}|{ReferenceEquals(priority, after)}|{ReferenceEquals(priority, context.GetStreamPriority())}|{priority.StreamId > 0}|{PriorityTestApp.Describe(priority)}");
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
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(context =>
            {
                seen = (ConnectionSeamState)context.Features.Get<IConnectionSeam>()!;
                return context.Response.WriteAsync("ok");
            }),
            b => b.Services.AddHttp2Features());
        using var client = app.CreateHttp2Client();

        for (var i = 0; i < 20; i++)
        {
            await client.GetStringAsync("/", TestContext.Current.CancellationToken);
        }

        seen!.Priorities.Capacity.Should().Be(0);
        seen.Protocol.Should().Be(SeamProtocol.Http2);
    }
}
