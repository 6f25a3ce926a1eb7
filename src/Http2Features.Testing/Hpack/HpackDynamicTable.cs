namespace Http2Features.Testing;

/// <summary>The HPACK dynamic table (RFC 7541 2.3.2, 4): newest entry first, sized by name + value + 32 octets.</summary>
internal sealed class HpackDynamicTable
{
    // Ring buffer; _head is the slot of the newest entry.
    private KeyValuePair<string, string>[] _entries = new KeyValuePair<string, string>[16];
    private int _head = -1;
    private int _count;

    public HpackDynamicTable(int maxSize) => MaxSize = maxSize;

    public int Count => _count;

    public int Size { get; private set; }

    public int MaxSize { get; private set; }

    public static int EntrySize(string name, string value) => name.Length + value.Length + 32;

    /// <summary>0-based from newest.</summary>
    public KeyValuePair<string, string> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new HpackException($"Dynamic table index {index + HpackStaticTable.Count + 1} out of range (table has {_count} entries).");
            }

            var slot = _head - index;
            if (slot < 0)
            {
                slot += _entries.Length;
            }

            return _entries[slot];
        }
    }

    public void Resize(int maxSize)
    {
        MaxSize = maxSize;
        EvictTo(maxSize);
    }

    public void Add(string name, string value)
    {
        var size = EntrySize(name, value);
        if (size > MaxSize)
        {
            // RFC 7541 4.4: an entry larger than the table empties it and is not added.
            EvictTo(0);
            return;
        }

        EvictTo(MaxSize - size);
        if (_count == _entries.Length)
        {
            var bigger = new KeyValuePair<string, string>[_entries.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                bigger[_count - 1 - i] = this[i];
            }

            _entries = bigger;
            _head = _count - 1;
        }

        _head = (_head + 1) % _entries.Length;
        _entries[_head] = new(name, value);
        _count++;
        Size += size;
    }

    public IReadOnlyList<KeyValuePair<string, string>> Snapshot()
    {
        var list = new List<KeyValuePair<string, string>>(_count);
        for (var i = 0; i < _count; i++)
        {
            list.Add(this[i]);
        }

        return list;
    }

    private void EvictTo(int targetSize)
    {
        while (Size > targetSize && _count > 0)
        {
            var oldest = this[_count - 1];
            Size -= EntrySize(oldest.Key, oldest.Value);
            _count--;
        }
    }
}
