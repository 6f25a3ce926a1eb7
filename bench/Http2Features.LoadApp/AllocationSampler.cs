using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Text;

/// <summary>
/// LOADAPP_ALLOC_TYPES=1: samples the runtime's GC AllocationTick events (one per ~100 KB allocated, with the type of the
/// object that crossed the threshold) so /_alloctypes can say WHAT a path allocates per request, not only how much
/// (compare the same path on two modes: a type only one of them has is where its extra bytes come from).
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _ticks = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick is verbose
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is { } name && name.StartsWith("GCAllocationTick", StringComparison.Ordinal) && eventData.PayloadNames is { } names)
        {
            var at = names.IndexOf("TypeName");
            var type = at >= 0 ? eventData.Payload![at] as string ?? "?" : "?";
            _ticks.AddOrUpdate(type, 1, (_, n) => n + 1);
        }
    }

    public void Reset() => _ticks.Clear();

    public string Report()
    {
        var text = new StringBuilder();
        foreach (var (type, ticks) in _ticks.OrderByDescending(p => p.Value).Take(60))
        {
            text.Append(ticks).Append(' ').AppendLine(type);
        }

        return text.ToString();
    }
}
