using System.Diagnostics.Metrics;

namespace Http2Features.Priority;

/// <summary>Stream priority metrics on the pack's meter ("Http2Features").</summary>
internal sealed class PriorityMetrics
{
    public const string SignalTag = "http2features.priority.signal";

    public PriorityMetrics(IMeterFactory meterFactory)
    {
        var meter = Http2FeaturesMeter.Create(meterFactory);
        Signals = meter.CreateCounter<long>(
            "http2features.priority.signals",
            unit: "{signal}",
            description: "Priority signals received from clients, by kind (headers, priority, priority_update).");
        Evictions = meter.CreateCounter<long>(
            "http2features.priority.evictions",
            unit: "{entry}",
            description: "Priority entries dropped because a connection's table was full (idle-stream floods land here).");
    }

    public Counter<long> Signals { get; }

    public Counter<long> Evictions { get; }

    public void Signal(string kind)
    {
        if (Signals.Enabled)
        {
            Signals.Add(1, new KeyValuePair<string, object?>(SignalTag, kind));
        }
    }

    public void Evicted()
    {
        if (Evictions.Enabled)
        {
            Evictions.Add(1);
        }
    }
}
