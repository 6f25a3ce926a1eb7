using System.Collections;

namespace Http2Features.Testing;

/// <summary>An ordered list of header fields as received (pseudo-headers included), with case-insensitive lookup.</summary>
public sealed class HeaderList : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields;

    /// <summary>An empty list.</summary>
    public static HeaderList Empty { get; } = new(new List<KeyValuePair<string, string>>());

    /// <summary>Creates a list over the given fields (in order).</summary>
    public HeaderList(IEnumerable<KeyValuePair<string, string>> fields)
    {
        _fields = fields as List<KeyValuePair<string, string>> ?? new List<KeyValuePair<string, string>>(fields);
    }

    /// <summary>The first value of the named field (case-insensitive), or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var f in _fields)
            {
                if (string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return f.Value;
                }
            }

            return null;
        }
    }

    /// <inheritdoc />
    public KeyValuePair<string, string> this[int index] => _fields[index];

    /// <inheritdoc />
    public int Count => _fields.Count;

    /// <summary>Every value of the named field (case-insensitive), in order.</summary>
    public IReadOnlyList<string> GetValues(string name) =>
        _fields.Where(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).ToList();

    /// <summary>True when the named field is present.</summary>
    public bool Contains(string name) => this[name] is not null;

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => _fields.Count == 0 ? "(none)" : string.Join(", ", _fields.Select(f => $"{f.Key}: {Shorten(f.Value)}"));

    private static string Shorten(string value) => value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 77), "...");
}
