using System.Diagnostics.Metrics;

namespace Http2Features.EarlyHints.Automatic;

/// <summary>Learned early hints metrics on the pack's meter ("Http2Features").</summary>
internal sealed class AutomaticEarlyHintsMetrics
{
    public const string LookupsName = "http2features.early_hints.automatic.lookups";
    public const string EntriesName = "http2features.early_hints.automatic.entries";
    public const string SizeName = "http2features.early_hints.automatic.size";
    public const string EvictionsName = "http2features.early_hints.automatic.evictions";
    public const string ChangesName = "http2features.early_hints.automatic.changes";
    public const string ResultTag = "http2features.early_hints.automatic.result";
    public const string ChangeTag = "http2features.early_hints.automatic.change";

    private static readonly KeyValuePair<string, object?> Hit = new(ResultTag, "hit");
    private static readonly KeyValuePair<string, object?> Miss = new(ResultTag, "miss");

    private readonly Counter<long> _lookups;
    private readonly UpDownCounter<long> _entries;
    private readonly UpDownCounter<long> _size;
    private readonly Counter<long> _evictions;
    private readonly Counter<long> _changes;

    public AutomaticEarlyHintsMetrics(IMeterFactory meterFactory)
    {
        var meter = Http2FeaturesMeter.Create(meterFactory);
        _lookups = meter.CreateCounter<long>(LookupsName, unit: "{request}", description: "Requests that looked for learned early hints, by result (hit: a 103 was built from them; miss: nothing learned).");
        _entries = meter.CreateUpDownCounter<long>(EntriesName, unit: "{entry}", description: "Endpoints with a learned early hints set.");
        _size = meter.CreateUpDownCounter<long>(SizeName, unit: "By", description: "Memory the learned early hints sets are counted as (EarlyHints:Automatic:MaxBytes bounds it).");
        _evictions = meter.CreateCounter<long>(EvictionsName, unit: "{entry}", description: "Learned early hints sets dropped to stay within MaxEntries/MaxBytes.");
        _changes = meter.CreateCounter<long>(ChangesName, unit: "{entry}", description: "Learned early hints sets added, replaced (the links changed) or removed (the links went away).");
    }

    /// <summary>Whether anyone listens to the lookups counter (the miss path decides what to count only then).</summary>
    public bool LookupsEnabled => _lookups.Enabled;

    public void Lookup(bool hit)
    {
        if (_lookups.Enabled)
        {
            _lookups.Add(1, hit ? Hit : Miss);
        }
    }

    public void Learned(LearnOutcome outcome, int evicted, long bytesDelta)
    {
        var entriesDelta = -evicted;
        switch (outcome)
        {
            case LearnOutcome.Added:
                entriesDelta++;
                _changes.Add(1, new KeyValuePair<string, object?>(ChangeTag, "added"));
                break;
            case LearnOutcome.Replaced:
                _changes.Add(1, new KeyValuePair<string, object?>(ChangeTag, "replaced"));
                break;
            case LearnOutcome.Removed:
            case LearnOutcome.TooLarge when bytesDelta < 0:
                entriesDelta--;
                _changes.Add(1, new KeyValuePair<string, object?>(ChangeTag, "removed"));
                break;
        }

        if (entriesDelta != 0)
        {
            _entries.Add(entriesDelta);
        }

        if (bytesDelta != 0)
        {
            _size.Add(bytesDelta);
        }

        if (evicted > 0)
        {
            _evictions.Add(evicted);
        }
    }
}
