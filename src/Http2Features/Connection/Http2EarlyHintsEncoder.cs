using System.Buffers.Binary;
using static Http2Features.Connection.Http2Frame;

namespace Http2Features.Connection;

/// <summary>
/// Encodes a 103 as an HTTP/2 HEADERS frame (plus CONTINUATION frames when the block exceeds the peer's
/// max frame size) using only HPACK representations that leave the dynamic table untouched:
/// literal-without-indexing with a static name index where one exists, no Huffman. <c>:status</c> is
/// <c>08 03 "103"</c>, the same form Kestrel uses for its own 100-continue. A block never carries a dynamic
/// table size update: only Kestrel's encoder knows when it applies a new size.
/// </summary>
internal static class Http2EarlyHintsEncoder
{

    private static ReadOnlySpan<byte> Status103 => [0x08, 0x03, (byte)'1', (byte)'0', (byte)'3'];

    /// <summary>Length of the HPACK block (without frame headers).</summary>
    /// <param name="fields">Validated fields.</param>
    public static int GetBlockLength(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var length = Status103.Length;

        for (var i = 0; i < fields.Count; i++)
        {
            var (name, value) = (fields[i].Key, fields[i].Value);
            var index = StaticNameIndex(name);
            length += index > 0 ? IntegerLength(index, 4) : 1 + IntegerLength(name.Length, 7) + name.Length;
            length += IntegerLength(value.Length, 7) + value.Length;
        }

        return length;
    }

    /// <summary>Total bytes on the wire: the block plus one 9-byte frame header per frame.</summary>
    public static int GetFramedLength(int blockLength, int maxFrameSize)
    {
        var frames = Math.Max(1, (blockLength + maxFrameSize - 1) / maxFrameSize);
        return blockLength + (frames * FrameHeaderLength);
    }

    /// <summary>Writes the HPACK block into <paramref name="destination"/>; returns its length.</summary>
    public static int EncodeBlock(IReadOnlyList<KeyValuePair<string, string>> fields, Span<byte> destination)
    {
        var at = 0;
        Status103.CopyTo(destination[at..]);
        at += Status103.Length;
        for (var i = 0; i < fields.Count; i++)
        {
            var (name, value) = (fields[i].Key, fields[i].Value);
            var index = StaticNameIndex(name);
            if (index > 0)
            {
                // Literal Header Field without Indexing — Indexed Name (RFC 7541 §6.2.2).
                at += EncodeInteger(index, 4, 0x00, destination[at..]);
            }
            else
            {
                // Literal Header Field without Indexing — New Name; HTTP/2 field names are lower case.
                destination[at++] = 0x00;
                at += EncodeString(name, lowerCase: true, destination[at..]);
            }

            at += EncodeString(value, lowerCase: false, destination[at..]);
        }

        return at;
    }

    /// <summary>Writes HEADERS (+ CONTINUATION) frames for stream <paramref name="streamId"/>; returns bytes written.</summary>
    public static int EncodeFrames(ReadOnlySpan<byte> block, int streamId, int maxFrameSize, Span<byte> destination)
    {
        var at = 0;
        var first = true;
        do
        {
            var chunk = Math.Min(block.Length, maxFrameSize);
            var last = chunk == block.Length;
            WriteFrameHeader(destination[at..], chunk, first ? TypeHeaders : TypeContinuation, last ? FlagEndHeaders : (byte)0, streamId);
            at += FrameHeaderLength;
            block[..chunk].CopyTo(destination[at..]);
            at += chunk;
            block = block[chunk..];
            first = false;
        }
        while (!block.IsEmpty);

        return at;
    }

    /// <summary>
    /// Encodes the whole 103 (block and frames) into <paramref name="destination"/>, which holds at least
    /// <see cref="GetFramedLength"/> bytes; returns the bytes written. A block that fits one frame is encoded in place
    /// (no copy, no buffer); a larger one goes through a temporary block.
    /// </summary>
    public static int EncodeTo(IReadOnlyList<KeyValuePair<string, string>> fields, int blockLength, int streamId, int maxFrameSize, Span<byte> destination)
    {
        if (blockLength <= maxFrameSize)
        {
            var written = EncodeBlock(fields, destination[FrameHeaderLength..]);
            WriteFrameHeader(destination, written, TypeHeaders, FlagEndHeaders, streamId);
            return FrameHeaderLength + written;
        }

        var block = new byte[blockLength];
        EncodeBlock(fields, block);
        return EncodeFrames(block, streamId, maxFrameSize, destination);
    }

    /// <summary>Encodes the whole 103 (block and frames) into a new array.</summary>
    public static byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> fields, int streamId, int maxFrameSize)
    {
        var blockLength = GetBlockLength(fields);
        var block = blockLength <= 1024 ? stackalloc byte[blockLength] : new byte[blockLength];
        EncodeBlock(fields, block);
        var frames = new byte[GetFramedLength(blockLength, maxFrameSize)];
        EncodeFrames(block, streamId, maxFrameSize, frames);
        return frames;
    }

    public static void WriteFrameHeader(Span<byte> destination, int length, byte type, byte flags, int streamId)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = type;
        destination[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)streamId & 0x7FFFFFFFu);
    }

    /// <summary>The first RFC 7541 Appendix A index whose name matches, or 0.</summary>
    public static int StaticNameIndex(string name) => name.ToLowerInvariant() switch
    {
        "accept-charset" => 15,
        "accept-encoding" => 16,
        "accept-language" => 17,
        "accept-ranges" => 18,
        "accept" => 19,
        "access-control-allow-origin" => 20,
        "age" => 21,
        "allow" => 22,
        "authorization" => 23,
        "cache-control" => 24,
        "content-disposition" => 25,
        "content-encoding" => 26,
        "content-language" => 27,
        "content-location" => 29,
        "content-range" => 30,
        "content-type" => 31,
        "cookie" => 32,
        "date" => 33,
        "etag" => 34,
        "expect" => 35,
        "expires" => 36,
        "from" => 37,
        "host" => 38,
        "if-match" => 39,
        "if-modified-since" => 40,
        "if-none-match" => 41,
        "if-range" => 42,
        "if-unmodified-since" => 43,
        "last-modified" => 44,
        "link" => 45,
        "location" => 46,
        "max-forwards" => 47,
        "proxy-authenticate" => 48,
        "proxy-authorization" => 49,
        "range" => 50,
        "referer" => 51,
        "refresh" => 52,
        "retry-after" => 53,
        "server" => 54,
        "set-cookie" => 55,
        "strict-transport-security" => 56,
        "user-agent" => 58,
        "vary" => 59,
        "via" => 60,
        "www-authenticate" => 61,
        _ => 0,
    };

    public static int IntegerLength(int value, int prefixBits)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            return 1;
        }

        var length = 1;
        value -= max;
        do
        {
            length++;
            value >>= 7;
        }
        while (value > 0);
        return length;
    }

    // RFC 7541 §5.1 prefix integer.
    public static int EncodeInteger(int value, int prefixBits, byte pattern, Span<byte> destination)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            destination[0] = (byte)(pattern | value);
            return 1;
        }

        destination[0] = (byte)(pattern | max);
        value -= max;
        var at = 1;
        while (value >= 0x80)
        {
            destination[at++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        destination[at++] = (byte)value;
        return at;
    }

    // RFC 7541 §5.2 string literal, H = 0 (no Huffman). Input is validated ASCII.
    private static int EncodeString(string value, bool lowerCase, Span<byte> destination)
    {
        var at = EncodeInteger(value.Length, 7, 0x00, destination);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (lowerCase && c is >= 'A' and <= 'Z')
            {
                c = (char)(c + 32);
            }

            destination[at++] = (byte)c;
        }

        return at;
    }
}
