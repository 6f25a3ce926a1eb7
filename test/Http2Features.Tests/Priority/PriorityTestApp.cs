using System.Globalization;
using Http2Features.Connection;
using Http2Features.Priority;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Priority;

/// <summary>
/// An app whose "/" reports the request's priority as read on the first line of the request delegate,
/// and whose "/live" reports it, waits for a change, and reports it again.
/// </summary>
internal static class PriorityTestApp
{
    public static Task<Http2TestApp> StartAsync(bool tls = true, Action<PriorityProbe>? onLiveStarted = null, bool addPack = true) =>
        Http2TestApp.StartAsync(
            app =>
            {
                app.Map("/live", async (HttpContext context) =>
                {
                    var feature = context.GetStreamPriority();
                    var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    feature.Changed += (_, _) => changed.TrySetResult();
                    var before = Describe(feature);
                    onLiveStarted?.Invoke(new PriorityProbe(feature.StreamId, context));
                    await changed.Task.WaitAsync(TimeSpan.FromSeconds(20));
                    return before + " => " + Describe(feature);
                });
                app.Map("/table", (HttpContext context) =>
                {
                    var seam = (ConnectionSeamState)context.Features.Get<IConnectionSeam>()!;
                    var priorities = context.Features.Get<StreamPriorityConnection>()!.Priorities;
                    return string.Create(CultureInfo.InvariantCulture, $"{priorities.Capacity}/{priorities.MaxCapacity}/{seam.PrioritySignals}");
                });
                app.Map("/cached", (HttpContext context) =>
                    Describe(context.GetStreamPriority()) + "|" + StreamPriorityConnection.IsCachedFor(context).ToString());
                app.MapFallback((HttpContext context) => Describe(context.GetStreamPriority()));
            },
            b =>
            {
                if (addPack)
                {
                    b.Services.AddHttp2Features();
                }
            },
            new Http2TestAppOptions { Tls = tls });

    /// <summary>hasHttp2|weight|dependsOn|exclusive|urgency|incremental|fromUpdate.</summary>
    public static string Describe(IHttp2StreamPriorityFeature p) => string.Create(
        CultureInfo.InvariantCulture,
        $"{p.HasHttp2Priority}|{p.Weight?.ToString(CultureInfo.InvariantCulture) ?? "-"}|{p.DependsOn?.ToString(CultureInfo.InvariantCulture) ?? "-"}|{(p.Exclusive is { } e ? e.ToString() : "-")}|{p.Urgency}|{p.Incremental}|{p.IsFromPriorityUpdate}");
}

internal sealed record PriorityProbe(int StreamId, HttpContext Context);
