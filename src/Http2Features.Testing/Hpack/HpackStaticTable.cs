namespace Http2Features.Testing;

/// <summary>The HPACK static table (RFC 7541 Appendix A), 1-based.</summary>
public static class HpackStaticTable
{
    private static readonly KeyValuePair<string, string>[] s_entries =
    [
        new(":authority", ""),
        new(":method", "GET"),
        new(":method", "POST"),
        new(":path", "/"),
        new(":path", "/index.html"),
        new(":scheme", "http"),
        new(":scheme", "https"),
        new(":status", "200"),
        new(":status", "204"),
        new(":status", "206"),
        new(":status", "304"),
        new(":status", "400"),
        new(":status", "404"),
        new(":status", "500"),
        new("accept-charset", ""),
        new("accept-encoding", "gzip, deflate"),
        new("accept-language", ""),
        new("accept-ranges", ""),
        new("accept", ""),
        new("access-control-allow-origin", ""),
        new("age", ""),
        new("allow", ""),
        new("authorization", ""),
        new("cache-control", ""),
        new("content-disposition", ""),
        new("content-encoding", ""),
        new("content-language", ""),
        new("content-length", ""),
        new("content-location", ""),
        new("content-range", ""),
        new("content-type", ""),
        new("cookie", ""),
        new("date", ""),
        new("etag", ""),
        new("expect", ""),
        new("expires", ""),
        new("from", ""),
        new("host", ""),
        new("if-match", ""),
        new("if-modified-since", ""),
        new("if-none-match", ""),
        new("if-range", ""),
        new("if-unmodified-since", ""),
        new("last-modified", ""),
        new("link", ""),
        new("location", ""),
        new("max-forwards", ""),
        new("proxy-authenticate", ""),
        new("proxy-authorization", ""),
        new("range", ""),
        new("referer", ""),
        new("refresh", ""),
        new("retry-after", ""),
        new("server", ""),
        new("set-cookie", ""),
        new("strict-transport-security", ""),
        new("transfer-encoding", ""),
        new("user-agent", ""),
        new("vary", ""),
        new("via", ""),
        new("www-authenticate", ""),
    ];

    private static readonly Dictionary<string, int> s_firstIndexByName = BuildNameIndex();

    /// <summary>Number of entries (61).</summary>
    public static int Count => s_entries.Length;

    /// <summary>The entry at a 1-based index.</summary>
    public static KeyValuePair<string, string> Get(int index) => s_entries[index - 1];

    /// <summary>The 1-based index of an exact (name, value) match, or 0.</summary>
    public static int FindExact(string name, string value)
    {
        if (!s_firstIndexByName.TryGetValue(name, out var first))
        {
            return 0;
        }

        for (var i = first; i <= s_entries.Length && s_entries[i - 1].Key == name; i++)
        {
            if (s_entries[i - 1].Value == value)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>The 1-based index of the first entry with this name, or 0.</summary>
    public static int FindName(string name) => s_firstIndexByName.TryGetValue(name, out var i) ? i : 0;

    private static Dictionary<string, int> BuildNameIndex()
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < s_entries.Length; i++)
        {
            map.TryAdd(s_entries[i].Key, i + 1);
        }

        return map;
    }
}

/// <summary>An HPACK encoding or decoding error (maps to COMPRESSION_ERROR).</summary>
public sealed class HpackException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HpackException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HpackException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public HpackException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>How a literal header field is represented (RFC 7541 6.2).</summary>
public enum HpackIndexing
{
    /// <summary>Literal with incremental indexing: the field is added to the dynamic table.</summary>
    Incremental,
    /// <summary>Literal without indexing.</summary>
    WithoutIndexing,
    /// <summary>Literal never indexed (intermediaries must not index it either).</summary>
    NeverIndexed,
}
