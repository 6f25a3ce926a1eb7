namespace Http2Features.EarlyHints.Automatic;

/// <summary>An immutable, duplicate-free list of link field values for one 103, with their identities and sizes.</summary>
internal sealed class HintSet : IEquatable<HintSet>
{
    public static readonly HintSet Empty = new([], []);

    private HintSet(string[] values, string[] identities)
    {
        Values = values;
        Identities = identities;
        foreach (var value in values)
        {
            WireSize += EarlyHintsFieldValidator.FieldLineSize("link", value);
            Chars += value.Length;
        }

        foreach (var identity in identities)
        {
            Chars += identity.Length;
        }
    }

    /// <summary>The <c>link</c> field values, in the order they are sent.</summary>
    public string[] Values { get; }

    /// <summary><see cref="LinkValue.Identity"/> of each value.</summary>
    public string[] Identities { get; }

    /// <summary>Size counted against <c>EarlyHints:MaxTotalSize</c>: the HTTP/1.1 field lines.</summary>
    public int WireSize { get; }

    /// <summary>Characters stored (values and identities), for the memory bound.</summary>
    public int Chars { get; }

    public int Count => Values.Length;

    /// <summary>Builds a set from link values: first occurrence wins, and it stops before <paramref name="maxWireSize"/> is passed.</summary>
    public static HintSet Create(IReadOnlyList<LinkValue> links, int maxWireSize)
    {
        if (links.Count == 0)
        {
            return Empty;
        }

        var values = new List<string>(links.Count);
        var identities = new List<string>(links.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var size = 0;
        foreach (var link in links)
        {
            if (!seen.Add(link.Identity))
            {
                continue;
            }

            var lineSize = EarlyHintsFieldValidator.FieldLineSize("link", link.Text);
            if (size + lineSize > maxWireSize)
            {
                break;
            }

            size += lineSize;
            values.Add(link.Text);
            identities.Add(link.Identity);
        }

        return values.Count == 0 ? Empty : new HintSet([.. values], [.. identities]);
    }

    public bool Equals(HintSet? other) =>
        other is not null && (ReferenceEquals(this, other) || Values.AsSpan().SequenceEqual(other.Values));

    public override bool Equals(object? obj) => Equals(obj as HintSet);

    /// <summary>The values as a <c>Link</c> header would list them (for logs).</summary>
    public override string ToString() => string.Join(", ", Values);

    public override int GetHashCode() => Values.Length == 0 ? 0 : HashCode.Combine(Values.Length, Values[0]);
}
