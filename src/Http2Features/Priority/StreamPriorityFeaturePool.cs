namespace Http2Features.Priority;

/// <summary>
/// Per-connection pool of <see cref="StreamPriorityFeature"/> objects, so a request costs no allocation
/// once the connection has warmed up. Holds at most one object per concurrent stream (one for HTTP/1.x,
/// which runs one request at a time), capped so a huge stream limit cannot make it grow large.
/// </summary>
internal sealed class StreamPriorityFeaturePool
{
    internal const int MaxRetained = 256;

    private readonly Lock _lock = new();
    private readonly int _http2Capacity;
    private StreamPriorityFeature?[]? _items;
    private int _count;

    /// <param name="maxConcurrentStreams">The connection's stream limit.</param>
    public StreamPriorityFeaturePool(int maxConcurrentStreams)
    {
        _http2Capacity = Math.Clamp(maxConcurrentStreams, 1, MaxRetained);
    }

    /// <summary>Objects currently pooled (for tests).</summary>
    internal int Count
    {
        get { lock (_lock) { return _count; } }
    }

    public StreamPriorityFeature Rent()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                var items = _items!;
                var item = items[--_count]!;
                items[_count] = null;
                return item;
            }
        }

        return new StreamPriorityFeature();
    }

    /// <param name="feature">A released feature.</param>
    /// <param name="isHttp2">Whether the connection is HTTP/2 (sizes the pool on first return).</param>
    public void Return(StreamPriorityFeature feature, bool isHttp2)
    {
        lock (_lock)
        {
            var items = _items ??= new StreamPriorityFeature?[isHttp2 ? _http2Capacity : 1];
            if (_count < items.Length)
            {
                items[_count++] = feature;
            }
        }
    }
}
