using System.Text;

namespace Http2Features.Testing;

/// <summary>
/// A complete HPACK decoder (RFC 7541): static and dynamic table, dynamic table size updates, Huffman strings.
/// Header strings are octets mapped one-to-one to chars (Latin-1), so no byte is lost.
/// Not thread-safe: one decoder per connection direction, blocks decoded in wire order.
/// </summary>
public sealed class HpackDecoder
{
    private readonly HpackDynamicTable _table;

    /// <summary>Creates a decoder whose dynamic table may grow to <paramref name="maxDynamicTableSize"/> (the SETTINGS_HEADER_TABLE_SIZE we advertised).</summary>
    public HpackDecoder(int maxDynamicTableSize = 4096)
    {
        SettingsMaxTableSize = maxDynamicTableSize;
        _table = new HpackDynamicTable(maxDynamicTableSize);
    }

    /// <summary>The upper bound a table size update may request (our SETTINGS_HEADER_TABLE_SIZE).</summary>
    public int SettingsMaxTableSize { get; set; }

    /// <summary>Upper bound on the decoded size of one header list (name + value + 32 per field); larger blocks fail. Default 16 MiB.</summary>
    public int MaxHeaderListSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>The dynamic table's current size in octets.</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>The dynamic table's current maximum size (after the last size update).</summary>
    public int DynamicTableMaxSize => _table.MaxSize;

    /// <summary>The dynamic table, newest entry first (index 62 of the address space is element 0).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> DynamicTable => _table.Snapshot();

    /// <summary>How many dynamic table size updates the last decoded blocks carried (cumulative).</summary>
    public int TableSizeUpdatesSeen { get; private set; }

    /// <summary>Decodes one complete header block.</summary>
    /// <exception cref="HpackException">The block is malformed; the message names the offset and the problem.</exception>
    public List<KeyValuePair<string, string>> Decode(ReadOnlySpan<byte> block)
    {
        var fields = new List<KeyValuePair<string, string>>();
        var pos = 0;
        var listSize = 0L;
        var fieldSeen = false;
        while (pos < block.Length)
        {
            var start = pos;
            var b = block[pos];
            if ((b & 0x80) != 0)
            {
                // 6.1 Indexed header field.
                var index = (int)ReadInteger(block, ref pos, 7);
                if (index == 0)
                {
                    throw new HpackException($"Indexed header field with index 0 at offset {start}.");
                }

                Add(fields, GetEntry(index, start), ref listSize);
                fieldSeen = true;
            }
            else if ((b & 0xC0) == 0x40)
            {
                // 6.2.1 Literal with incremental indexing.
                var field = ReadLiteral(block, ref pos, 6, start);
                _table.Add(field.Key, field.Value);
                Add(fields, field, ref listSize);
                fieldSeen = true;
            }
            else if ((b & 0xE0) == 0x20)
            {
                // 6.3 Dynamic table size update: only at the start of a block (4.2).
                if (fieldSeen)
                {
                    throw new HpackException($"Dynamic table size update after a header field at offset {start}.");
                }

                var size = ReadInteger(block, ref pos, 5);
                if (size > (ulong)SettingsMaxTableSize)
                {
                    throw new HpackException($"Dynamic table size update to {size} exceeds SETTINGS_HEADER_TABLE_SIZE {SettingsMaxTableSize} at offset {start}.");
                }

                _table.Resize((int)size);
                TableSizeUpdatesSeen++;
            }
            else
            {
                // 6.2.2 without indexing (0000xxxx) and 6.2.3 never indexed (0001xxxx).
                var field = ReadLiteral(block, ref pos, 4, start);
                Add(fields, field, ref listSize);
                fieldSeen = true;
            }
        }

        return fields;
    }

    private void Add(List<KeyValuePair<string, string>> fields, KeyValuePair<string, string> field, ref long listSize)
    {
        listSize += field.Key.Length + field.Value.Length + 32;
        if (listSize > MaxHeaderListSize)
        {
            throw new HpackException($"Decoded header list exceeds {MaxHeaderListSize} octets.");
        }

        fields.Add(field);
    }

    private KeyValuePair<string, string> GetEntry(int index, int offset)
    {
        if (index <= HpackStaticTable.Count)
        {
            return HpackStaticTable.Get(index);
        }

        var dynamicIndex = index - HpackStaticTable.Count - 1;
        if (dynamicIndex >= _table.Count)
        {
            throw new HpackException($"Header index {index} at offset {offset} is beyond the static table and the {_table.Count}-entry dynamic table.");
        }

        return _table[dynamicIndex];
    }

    private KeyValuePair<string, string> ReadLiteral(ReadOnlySpan<byte> block, ref int pos, int prefixBits, int start)
    {
        var nameIndex = (int)ReadInteger(block, ref pos, prefixBits);
        var name = nameIndex == 0 ? ReadString(block, ref pos) : GetEntry(nameIndex, start).Key;
        var value = ReadString(block, ref pos);
        return new(name, value);
    }

    private static string ReadString(ReadOnlySpan<byte> block, ref int pos)
    {
        if (pos >= block.Length)
        {
            throw new HpackException($"Header block ends at offset {pos} where a string literal was expected.");
        }

        var huffman = (block[pos] & 0x80) != 0;
        var length = ReadInteger(block, ref pos, 7);
        if (length > (ulong)(block.Length - pos))
        {
            throw new HpackException($"String literal of {length} octets at offset {pos} runs past the end of the {block.Length}-octet block.");
        }

        var raw = block.Slice(pos, (int)length);
        pos += (int)length;
        return huffman ? Encoding.Latin1.GetString(HpackHuffman.Decode(raw)) : Encoding.Latin1.GetString(raw);
    }

    /// <summary>Reads an HPACK integer (RFC 7541 5.1) with an N-bit prefix.</summary>
    internal static ulong ReadInteger(ReadOnlySpan<byte> block, ref int pos, int prefixBits)
    {
        if (pos >= block.Length)
        {
            throw new HpackException($"Header block ends at offset {pos} where an integer was expected.");
        }

        var mask = (1 << prefixBits) - 1;
        ulong value = (ulong)(block[pos++] & mask);
        if (value < (ulong)mask)
        {
            return value;
        }

        var shift = 0;
        while (true)
        {
            if (pos >= block.Length)
            {
                throw new HpackException($"Header block ends inside a multi-byte integer at offset {pos}.");
            }

            var b = block[pos++];
            value += (ulong)(b & 0x7F) << shift;
            shift += 7;
            if (value > int.MaxValue)
            {
                throw new HpackException($"HPACK integer overflows at offset {pos - 1}.");
            }

            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
