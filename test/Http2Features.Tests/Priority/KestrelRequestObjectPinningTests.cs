using System.Collections.Concurrent;
using FluentAssertions;
using Http2Features.Priority;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Priority;

/// <summary>
/// Pins the Kestrel behaviour the kept priority feature relies on (<see cref="StreamPriorityConnection.KeptFeature"/>):
/// an HTTP/2 request's feature collection is a per-stream object Kestrel pools per connection, and it is handed to
/// another request only once its request completed, <c>OnCompleted</c> callbacks included. When this fails, Kestrel
/// changed its stream pooling: the kept feature could then be rebound while its request still runs.
/// </summary>
public class KestrelRequestObjectPinningTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_HTTP2_request_object_is_not_reused_before_its_request_completed_and_is_reused_after()
    {
        var live = new ConcurrentDictionary<IFeatureCollection, string>(ReferenceEqualityComparer.Instance);
        var seen = new ConcurrentBag<IFeatureCollection>();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await Http2TestApp.StartAsync(
            a =>
            {
                a.Map("/hold", (HttpContext context) =>
                {
                    live[context.Features] = "hold";
                    context.Response.OnCompleted(async () =>
                    {
                        holding.TrySetResult();
                        await release.Task.WaitAsync(Timeout);
                        live.TryRemove(context.Features, out _);
                        completed.TrySetResult();
                    });
                    return "held";
                });
                a.MapFallback((HttpContext context) =>
                {
                    seen.Add(context.Features);
                    return live.ContainsKey(context.Features) ? "shared" : "own";
                });
            },
            b => b.Services.AddHttp2Features());
        await using var client = await app.CreateRawClientAsync();
        var ct = TestContext.Current.CancellationToken;

        (await client.GetAsync("/hold", ct)).BodyText.Should().Be("held");
        await holding.Task.WaitAsync(Timeout, ct);
        live.Should().ContainSingle();
        for (var i = 0; i < 20; i++)
        {
            (await client.GetAsync("/", ct)).BodyText.Should().Be("own", "a request object still completing its request must not serve another");
        }

        release.TrySetResult();
        await completed.Task.WaitAsync(Timeout, ct);
        for (var i = 0; i < 20; i++)
        {
            (await client.GetAsync("/", ct)).BodyText.Should().Be("own");
        }

        seen.Distinct(ReferenceEqualityComparer.Instance).Count().Should().BeLessThan(40, "Kestrel reuses its per-stream objects on a connection (what the kept feature saves)");
    }
}
