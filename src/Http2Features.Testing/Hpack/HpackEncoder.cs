using System.Text;

namespace Http2Features.Testing;

/// <summary>
/// A complete HPACK encoder (RFC 7541): static table matches, dynamic table with incremental indexing, table size
/// updates, optional Huffman strings. Strings are encoded as Latin-1 octets. Not thread-safe: blocks must be encoded
/// in the order they are sent.
/// </summary>
public sealed class HpackEncoder
{
    private readonly HpackDynamicTable _table;
    private int? _pendingSizeUpdateMin;
    private int? _pendingSizeUpdate;

    /// <summary>Creates an encoder with a dynamic table of at most <paramref name="maxDynamicTableSize"/> octets (≤ the peer's SETTINGS_HEADER_TABLE_SIZE).</summary>
    public HpackEncoder(int maxDynamicTableSize = 4096)
    {
        _table = new HpackDynamicTable(maxDynamicTableSize);
    }

    /// <summary>Huffman-encode a string unless that would be longer (RFC 7541 Appendix C uses it at equal length). Default true.</summary>
    public bool UseHuffman { get; set; } = true;

    /// <summary>Add fields to the dynamic table (when <see cref="HpackIndexing.Incremental"/> applies). Default true.</summary>
    public bool UseDynamicTable { get; set; } = true;

    /// <summary>The dynamic table's current size in octets.</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>The dynamic table's current maximum size.</summary>
    public int DynamicTableMaxSize => _table.MaxSize;

    /// <summary>The dynamic table, newest first.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> DynamicTable => _table.Snapshot();

    /// <summary>
    /// Changes the dynamic table's maximum size; the next block starts with the size update(s) RFC 7541 4.2 requires
    /// (the smallest size reached, then the final size).
    /// </summary>
    public void SetMaxDynamicTableSize(int size)
    {
        _pendingSizeUpdateMin = Math.Min(_pendingSizeUpdateMin ?? size, size);
        _pendingSizeUpdate = size;
        _table.Resize(size);
    }

    /// <summary>Encodes a header list into one block, using incremental indexing for every field.</summary>
    public byte[] Encode(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var output = new List<byte>(128);
        WritePendingSizeUpdate(output);
        foreach (var h in headers)
        {
            EncodeField(output, h.Key, h.Value, HpackIndexing.Incremental);
        }

        return output.ToArray();
    }

    /// <summary>Starts a block: writes any pending table size update. Call once per block before <see cref="EncodeField"/>.</summary>
    public void BeginBlock(List<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        WritePendingSizeUpdate(output);
    }

    /// <summary>Appends one field. An exact static or dynamic match is sent as an index; otherwise a literal in the given form.</summary>
    public void EncodeField(List<byte> output, string name, string value, HpackIndexing indexing)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (indexing != HpackIndexing.NeverIndexed)
        {
            var exact = FindExact(name, value);
            if (exact > 0)
            {
                WriteInteger(output, 0x80, 7, (ulong)exact);
                return;
            }
        }

        var nameIndex = FindName(name);
        var addToTable = indexing == HpackIndexing.Incremental && UseDynamicTable;
        var (pattern, prefix) = addToTable ? ((byte)0x40, 6)
            : indexing == HpackIndexing.NeverIndexed ? ((byte)0x10, 4)
            : ((byte)0x00, 4);
        WriteInteger(output, pattern, prefix, (ulong)nameIndex);
        if (nameIndex == 0)
        {
            WriteString(output, name, UseHuffman);
        }

        WriteString(output, value, UseHuffman);
        if (addToTable)
        {
            _table.Add(name, value);
        }
    }

    /// <summary>Appends a dynamic table size update (RFC 7541 6.3) — for tests that build blocks by hand.</summary>
    public static void WriteTableSizeUpdate(List<byte> output, int size) => WriteInteger(output, 0x20, 5, (ulong)size);

    /// <summary>Appends an HPACK integer with an N-bit prefix; <paramref name="pattern"/> holds the bits above the prefix.</summary>
    public static void WriteInteger(List<byte> output, byte pattern, int prefixBits, ulong value)
    {
        ArgumentNullException.ThrowIfNull(output);
        var max = (ulong)((1 << prefixBits) - 1);
        if (value < max)
        {
            output.Add((byte)(pattern | (byte)value));
            return;
        }

        output.Add((byte)(pattern | (byte)max));
        value -= max;
        while (value >= 0x80)
        {
            output.Add((byte)((value & 0x7F) | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    /// <summary>Appends a string literal (RFC 7541 5.2), Huffman-encoded when asked and shorter.</summary>
    public static void WriteString(List<byte> output, string value, bool huffman)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(value);
        var raw = Encoding.Latin1.GetBytes(value);
        if (huffman)
        {
            var encodedLength = HpackHuffman.GetEncodedLength(raw);
            if (encodedLength <= raw.Length)
            {
                WriteInteger(output, 0x80, 7, (ulong)encodedLength);
                output.AddRange(HpackHuffman.Encode(raw));
                return;
            }
        }

        WriteInteger(output, 0x00, 7, (ulong)raw.Length);
        output.AddRange(raw);
    }

    private void WritePendingSizeUpdate(List<byte> output)
    {
        if (_pendingSizeUpdate is { } final)
        {
            if (_pendingSizeUpdateMin is { } min && min < final)
            {
                WriteTableSizeUpdate(output, min);
            }

            WriteTableSizeUpdate(output, final);
            _pendingSizeUpdate = null;
            _pendingSizeUpdateMin = null;
        }
    }

    private int FindExact(string name, string value)
    {
        var s = HpackStaticTable.FindExact(name, value);
        if (s > 0)
        {
            return s;
        }

        for (var i = 0; i < _table.Count; i++)
        {
            var e = _table[i];
            if (e.Key == name && e.Value == value)
            {
                return HpackStaticTable.Count + 1 + i;
            }
        }

        return 0;
    }

    private int FindName(string name)
    {
        var s = HpackStaticTable.FindName(name);
        if (s > 0)
        {
            return s;
        }

        for (var i = 0; i < _table.Count; i++)
        {
            if (_table[i].Key == name)
            {
                return HpackStaticTable.Count + 1 + i;
            }
        }

        return 0;
    }
}
