namespace Http2Features.Testing;

/// <summary>The HPACK Huffman code (RFC 7541 Appendix B): encode and decode.</summary>
public static class HpackHuffman
{
    // RFC 7541 Appendix B is a canonical Huffman code: codes of each length are consecutive integers assigned in
    // symbol order, so the table is fully determined by the bit lengths below (symbol 0..255, then EOS = 256).
    // Tests check the generated codes against the RFC's listed values.
    private static ReadOnlySpan<byte> BitLengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    ];

    private static readonly uint[] s_codes = BuildCodes();

    // Decoding tree as a flat array: node i has children at [2i] (bit 0) and [2i+1] (bit 1).
    // A value >= 0 is the next node; a value < 0 is a leaf holding ~symbol.
    private static readonly int[] s_tree = BuildTree();

    /// <summary>The code of a symbol (0..256), right-aligned, and its length in bits.</summary>
    public static (uint Code, int Length) GetCode(int symbol) => (s_codes[symbol], BitLengths[symbol]);

    /// <summary>The number of bytes <paramref name="data"/> takes when Huffman-encoded.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> data)
    {
        long bits = 0;
        foreach (var b in data)
        {
            bits += BitLengths[b];
        }

        return (int)((bits + 7) / 8);
    }

    /// <summary>Huffman-encodes <paramref name="data"/>, padding the last byte with the most significant bits of EOS (all ones).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        var output = new byte[GetEncodedLength(data)];
        Encode(data, output);
        return output;
    }

    /// <summary>Huffman-encodes into <paramref name="destination"/> (at least <see cref="GetEncodedLength"/> bytes) and returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ulong acc = 0;
        var bits = 0;
        var pos = 0;
        foreach (var b in data)
        {
            acc = (acc << BitLengths[b]) | s_codes[b];
            bits += BitLengths[b];
            while (bits >= 8)
            {
                bits -= 8;
                destination[pos++] = (byte)(acc >> bits);
            }
        }

        if (bits > 0)
        {
            destination[pos++] = (byte)((acc << (8 - bits)) | (0xFFu >> bits));
        }

        return pos;
    }

    /// <summary>Decodes a Huffman-encoded string (RFC 7541 5.2), rejecting EOS in the data and invalid padding.</summary>
    /// <exception cref="HpackException">The input is not a valid Huffman encoding.</exception>
    public static byte[] Decode(ReadOnlySpan<byte> data)
    {
        var output = new List<byte>(data.Length * 8 / 5);
        var node = 0;
        var depth = 0;
        var allOnes = true;
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            for (var bit = 7; bit >= 0; bit--)
            {
                var one = (b >> bit) & 1;
                var next = s_tree[(2 * node) + one];
                depth++;
                allOnes &= one == 1;
                if (next < 0)
                {
                    var symbol = ~next;
                    if (symbol == 256)
                    {
                        throw new HpackException($"Huffman data contains the EOS symbol (byte {i} of {data.Length}).");
                    }

                    output.Add((byte)symbol);
                    node = 0;
                    depth = 0;
                    allOnes = true;
                }
                else if (next == 0)
                {
                    throw new HpackException($"Invalid Huffman code at byte {i} of {data.Length}.");
                }
                else
                {
                    node = next;
                }
            }
        }

        // Padding: strictly fewer than 8 bits, all ones (a prefix of EOS).
        if (depth > 7 || !allOnes)
        {
            throw new HpackException($"Invalid Huffman padding: {depth} trailing bits{(allOnes ? "" : " not all ones")}.");
        }

        return output.ToArray();
    }

    private static uint[] BuildCodes()
    {
        var lengths = BitLengths.ToArray();
        var symbols = Enumerable.Range(0, 257).OrderBy(s => lengths[s]).ThenBy(s => s).ToArray();
        var codes = new uint[257];
        uint code = 0;
        var prevLength = lengths[symbols[0]];
        for (var i = 0; i < symbols.Length; i++)
        {
            var len = lengths[symbols[i]];
            if (i > 0)
            {
                code = (code + 1) << (len - prevLength);
                prevLength = len;
            }

            codes[symbols[i]] = code;
        }

        return codes;
    }

    private static int[] BuildTree()
    {
        // A full binary tree over 257 leaves has 256 internal nodes.
        var tree = new int[2 * 256];
        var nodes = 1;
        for (var symbol = 0; symbol < 257; symbol++)
        {
            var len = BitLengths[symbol];
            var code = s_codes[symbol];
            var node = 0;
            for (var bit = len - 1; bit >= 0; bit--)
            {
                var slot = (2 * node) + (int)((code >> bit) & 1);
                if (bit == 0)
                {
                    tree[slot] = ~symbol;
                }
                else
                {
                    if (tree[slot] == 0)
                    {
                        tree[slot] = nodes++;
                    }

                    node = tree[slot];
                }
            }
        }

        return tree;
    }
}
