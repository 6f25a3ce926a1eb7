using System.Collections.Concurrent;
using System.Net;
using FluentAssertions;
using Http2Features.Scheduling;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Scheduling;

/// <summary>Admission by urgency on real Kestrel with TLS, over HTTP/1.1 (the <c>priority</c> header) and HTTP/2.</summary>
public class PriorityAdmissionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_saturated_app_admits_waiting_requests_by_urgency_then_arrival_and_rejects_beyond_the_queue(bool http2)
    {
        var order = new ConcurrentQueue<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await Http2TestApp.StartAsync(
            a => a.MapGet("/work/{name}", async (HttpContext context, string name) =>
            {
                order.Enqueue(name);
                if (name == "holder")
                {
                    await gate.Task.WaitAsync(context.RequestAborted);
                }

                return name;
            }),
            b => b.Services.AddHttp2Features(o =>
            {
                o.Priority.Admission.Enabled = true;
                o.Priority.Admission.ConcurrencyLimit = 1;
                o.Priority.Admission.QueueLimit = 3;
                o.Priority.Admission.RetryAfter = TimeSpan.FromSeconds(2);
            }));
        var limiter = app.Services.GetRequiredService<UrgencyConcurrencyLimiter>();
        using var client = http2 ? app.CreateHttp2Client() : app.CreateHttp11Client();

        Task<HttpResponseMessage> Send(string name, string? priority)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/work/" + name);
            if (priority is not null)
            {
                request.Headers.TryAddWithoutValidation("priority", priority);
            }

            return client.SendAsync(request, TestContext.Current.CancellationToken);
        }

        var holder = Send("holder", null);
        await FlowControlledClient.WaitUntilAsync(() => order.Contains("holder"), "the first request runs");

        var low = Send("low", "u=5");
        await FlowControlledClient.WaitUntilAsync(() => limiter.QueuedCount == 1, "u=5 waits");
        var high = Send("high", "u=1");
        await FlowControlledClient.WaitUntilAsync(() => limiter.QueuedCount == 2, "u=1 waits");
        var mid = Send("mid", "u=3");
        await FlowControlledClient.WaitUntilAsync(() => limiter.QueuedCount == 3, "u=3 waits");

        // Full queue: a less urgent arrival is turned away, a more urgent one displaces the least urgent waiter.
        using var rejected = await Send("lowest", "u=6").WaitAsync(Timeout, TestContext.Current.CancellationToken);
        var top = Send("top", "u=0");
        using var displaced = await low.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        gate.SetResult();
        using var h = await holder.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        foreach (var t in new[] { top, high, mid })
        {
            using var response = await t.WaitAsync(Timeout, TestContext.Current.CancellationToken);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        order.Should().Equal("holder", "top", "high", "mid");
        foreach (var response in new[] { rejected, displaced })
        {
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public async Task Admission_is_off_by_default_and_a_busy_app_then_runs_every_request()
    {
        var running = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await Http2TestApp.StartAsync(
            a => a.MapGet("/", async () =>
            {
                Interlocked.Increment(ref running);
                await gate.Task;
                return "ok";
            }),
            b => b.Services.AddHttp2Features());
        using var client = app.CreateHttp2Client();

        var requests = Enumerable.Range(0, 4).Select(_ => client.GetAsync("/", TestContext.Current.CancellationToken)).ToList();
        await FlowControlledClient.WaitUntilAsync(() => Volatile.Read(ref running) == 4, "all four run at once");
        gate.SetResult();
        foreach (var r in requests)
        {
            using var response = await r.WaitAsync(Timeout, TestContext.Current.CancellationToken);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }
}
