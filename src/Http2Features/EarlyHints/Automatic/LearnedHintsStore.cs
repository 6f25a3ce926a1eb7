using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace Http2Features.EarlyHints.Automatic;

/// <summary>
/// What learned hints are keyed by: the selected endpoint (one per route pattern and HTTP method set, and per action
/// or page for MVC), plus the values of the route values named in <see cref="AutomaticEarlyHintsOptions.KeyRouteValues"/>.
/// Never the raw path or the query: <c>/products/1</c> and <c>/products/2?x=y</c> share one entry.
/// </summary>
internal readonly struct HintKey : IEquatable<HintKey>
{
    public HintKey(Endpoint endpoint, string? routeValues)
    {
        Endpoint = endpoint;
        RouteValues = routeValues;
    }

    public Endpoint Endpoint { get; }

    /// <summary>The keyed route values joined with U+001F, or <see langword="null"/> when none are configured.</summary>
    public string? RouteValues { get; }

    /// <summary>How the key reads in logs: the route pattern (or display name) and the keyed values.</summary>
    public string Describe()
    {
        var name = (Endpoint as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? Endpoint.DisplayName ?? "(unnamed endpoint)";
        return RouteValues is null ? name : name + " [" + RouteValues.Replace('\u001f', ',') + "]";
    }

    public override string ToString() => Describe();

    public bool Equals(HintKey other) => ReferenceEquals(Endpoint, other.Endpoint) && string.Equals(RouteValues, other.RouteValues, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is HintKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(Endpoint), RouteValues is null ? 0 : StringComparer.Ordinal.GetHashCode(RouteValues));
}

/// <summary>What <see cref="LearnedHintsStore.Learn"/> did.</summary>
internal enum LearnOutcome
{
    Unchanged,
    Added,
    Replaced,
    Removed,
    TooLarge,
}

/// <summary>
/// The learned sets, bounded by entry count and bytes. Reads are lock-free (a hit marks the entry as used); writes
/// take one lock. Eviction is second-chance FIFO (CLOCK): the oldest entry goes unless it was used since it was last
/// looked at, which keeps busy pages and costs O(1) amortised.
/// </summary>
internal sealed class LearnedHintsStore
{
    private readonly ConcurrentDictionary<HintKey, Entry> _entries = new();
    private readonly LinkedList<Entry> _order = new();
    private readonly Lock _lock = new();
    private long _bytes;

    public int Count => _entries.Count;

    public long Bytes => Interlocked.Read(ref _bytes);

    public HintSet? TryGet(in HintKey key)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            entry.Referenced = true;
            return entry.Links;
        }

        return null;
    }

    public static long Cost(in HintKey key, HintSet links) =>
        AutomaticEarlyHintsOptions.EntryOverheadBytes + 2L * (links.Chars + (key.RouteValues?.Length ?? 0));

    /// <summary>Records what the endpoint's latest response linked to: adds, replaces or (empty set) removes its entry.</summary>
    public LearnOutcome Learn(in HintKey key, HintSet links, int maxEntries, long maxBytes, out int evicted, out long bytesDelta)
    {
        evicted = 0;
        bytesDelta = 0;

        // The steady state (same links as last time, or none and nothing learned) needs no lock.
        _entries.TryGetValue(key, out var existing);
        if (existing is null ? links.Count == 0 : existing.Links.Equals(links))
        {
            return LearnOutcome.Unchanged;
        }

        lock (_lock)
        {
            LearnOutcome outcome;
            Entry current;
            if (_entries.TryGetValue(key, out existing))
            {
                if (links.Count == 0)
                {
                    Remove(existing);
                    bytesDelta = -existing.Bytes;
                    return LearnOutcome.Removed;
                }

                if (existing.Links.Equals(links))
                {
                    return LearnOutcome.Unchanged;
                }

                var cost = Cost(key, links);
                if (cost > maxBytes)
                {
                    Remove(existing);
                    bytesDelta = -existing.Bytes;
                    return LearnOutcome.TooLarge;
                }

                bytesDelta = cost - existing.Bytes;
                _bytes += bytesDelta;
                existing.Bytes = cost;
                existing.Links = links;
                current = existing;
                outcome = LearnOutcome.Replaced;
            }
            else
            {
                if (links.Count == 0)
                {
                    return LearnOutcome.Unchanged;
                }

                var cost = Cost(key, links);
                if (cost > maxBytes)
                {
                    return LearnOutcome.TooLarge;
                }

                current = new Entry(key, links, cost);
                current.Node = _order.AddLast(current);
                _entries[key] = current;
                _bytes += cost;
                bytesDelta = cost;
                outcome = LearnOutcome.Added;
            }

            // Every entry gets at most one second chance per pass, so this ends within two passes.
            var budget = 2 * _order.Count;
            while ((_order.Count > maxEntries || _bytes > maxBytes) && budget-- > 0)
            {
                var node = _order.First!;
                var victim = node.Value;
                if (ReferenceEquals(victim, current) || victim.Referenced)
                {
                    victim.Referenced = false;
                    _order.RemoveFirst();
                    _order.AddLast(node);
                    continue;
                }

                Remove(victim);
                bytesDelta -= victim.Bytes;
                evicted++;
            }

            return outcome;
        }
    }

    // Under _lock.
    private void Remove(Entry entry)
    {
        _entries.TryRemove(new KeyValuePair<HintKey, Entry>(entry.Key, entry));
        _order.Remove(entry.Node!);
        _bytes -= entry.Bytes;
    }

    private sealed class Entry(HintKey key, HintSet links, long bytes)
    {
        private volatile HintSet _links = links;

        public HintKey Key { get; } = key;

        public HintSet Links
        {
            get => _links;
            set => _links = value;
        }

        public long Bytes { get; set; } = bytes;

        public LinkedListNode<Entry>? Node { get; set; }

        public bool Referenced { get; set; }
    }
}
