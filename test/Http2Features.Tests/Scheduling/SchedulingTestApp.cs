using System.Collections.Concurrent;
using System.Globalization;
using Http2Features.Connection;
using Http2Features.Scheduling;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Scheduling;

/// <summary>
/// A real Kestrel app for scheduling tests. <c>/stream/{chunks}?gate=name</c> writes that many 16 KiB chunks
/// through <c>Response.Body</c>; with <c>gate</c> it first sends headers and waits for the test to open that
/// gate. <c>/abort/{chunks}</c> writes and aborts its stream when the test opens gate "abort". The test sees the connection's scheduler
/// through <see cref="Scheduler"/>.
/// </summary>
internal sealed class SchedulingTestApp : IAsyncDisposable
{
    public const int Chunk = 16 * 1024;

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private volatile ConnectionScheduler? _scheduler;

    private SchedulingTestApp()
    {
    }

    public Http2TestApp App { get; private set; } = null!;

    /// <summary>The scheduler of the (last) connection a request arrived on.</summary>
    public ConnectionScheduler Scheduler => _scheduler ?? throw new InvalidOperationException("No scheduled request yet.");

    public bool HasScheduler => _scheduler is not null;

    public static async Task<SchedulingTestApp> StartAsync(bool enabled = true, Action<ResponseSchedulingOptions>? configure = null)
    {
        var test = new SchedulingTestApp();
        test.App = await Http2TestApp.StartAsync(
            app =>
            {
                app.Use((context, next) =>
                {
                    // Runs inside the scheduling middleware: the connection's scheduler exists by now.
                    if (context.Features.Get<ConnectionScheduler>() is { } scheduler)
                    {
                        test._scheduler = scheduler;
                    }

                    return next(context);
                });
                app.MapGet("/stream/{chunks:int}", (HttpContext context, int chunks) => test.StreamAsync(context, chunks));
                app.MapGet("/abort/{chunks:int}", async (HttpContext context, int chunks) =>
                {
                    // Aborts the stream (RST_STREAM from the server) when the test opens gate "abort",
                    // whatever the writes are doing then.
                    _ = test.Gate("abort").Task.ContinueWith(_ => context.Abort(), TaskScheduler.Default);
                    try
                    {
                        await test.StreamAsync(context, chunks);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            },
            b => b.Services.AddHttp2Features(o =>
            {
                o.Priority.Scheduling.Enabled = enabled;

                // Deterministic tests: nothing is released by time unless a test asks for it.
                o.Priority.Scheduling.StallTimeout = TimeSpan.FromSeconds(30);
                o.Priority.Scheduling.MaxHoldBack = TimeSpan.FromSeconds(30);
                o.Priority.Scheduling.IdleTimeout = TimeSpan.FromSeconds(30);
                configure?.Invoke(o.Priority.Scheduling);
            }));
        return test;
    }

    /// <summary>Opens a gate a <c>?gate=</c> request waits on.</summary>
    public void Open(string gate) => Gate(gate).TrySetResult();

    private TaskCompletionSource Gate(string name) => _gates.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task StreamAsync(HttpContext context, int chunks)
    {
        var query = context.Request.Query;
        var fill = (byte)(context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttp2StreamIdFeature>()?.StreamId ?? 0);
        if (query["gate"].ToString() is { Length: > 0 } gate)
        {
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted); // StartAsync alone leaves HEADERS buffered
            await Gate(gate).Task.WaitAsync(context.RequestAborted);
        }

        var buffer = new byte[Chunk];
        Array.Fill(buffer, fill);
        for (var i = 0; i < chunks; i++)
        {
            await context.Response.Body.WriteAsync(buffer, context.RequestAborted);
        }
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();

    public static string Path(int chunks, string? gate = null) =>
        "/stream/" + chunks.ToString(CultureInfo.InvariantCulture) + (gate is null ? string.Empty : "?gate=" + gate);
}
