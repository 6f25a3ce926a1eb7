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
        TableMemoryUsage = meter.CreateUpDownCounter<long>(
            "http2features.priority.table.memory",
            unit: "By",
            description: "Memory held by the per-connection priority tables of open connections; grows with the streams clients signal, not with MaxStreamsPerConnection.");
    }

    public Counter<long> Signals { get; }

    /// <summary>Bytes held by the priority tables of all open connections (process-wide, this meter's scope).</summary>
    public UpDownCounter<long> TableMemoryUsage { get; }

    public void TableMemory(long delta)
    {
        if (TableMemoryUsage.Enabled)
        {
            TableMemoryUsage.Add(delta);
        }
    }

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
