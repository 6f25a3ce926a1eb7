using System.Buffers.Binary;
using System.Net;

namespace Http2Features.Connection.ProxyProtocol;

/// <summary>What <see cref="ProxyProtocolParser.Parse"/> concluded from the bytes it was given.</summary>
internal enum ProxyParseStatus
{
    /// <summary>A complete, valid header: <see cref="ProxyParseResult.Consumed"/> bytes belong to it.</summary>
    Complete,

    /// <summary>The bytes so far are a valid beginning: more are needed.</summary>
    Incomplete,

    /// <summary>The bytes do not begin with a header of an accepted version (the header is missing).</summary>
    NotProxy,

    /// <summary>The bytes begin a header that is malformed or larger than allowed.</summary>
    Invalid,
}

/// <summary>Which header format was read.</summary>
internal enum ProxyHeaderVersion : byte
{
    V1 = 1,
    V2 = 2,
}

/// <summary>A parsed PROXY header. <see cref="Source"/> and <see cref="Destination"/> are null when the header
/// carries no usable address (v1 UNKNOWN, v2 LOCAL, v2 UNSPEC or UNIX): the connection's own addresses stand.</summary>
internal readonly record struct ProxyHeader(ProxyHeaderVersion Version, bool IsLocal, IPEndPoint? Source, IPEndPoint? Destination);

/// <summary>The outcome of one parse attempt.</summary>
/// <param name="Status">The verdict.</param>
/// <param name="Consumed">The header's length when <see cref="ProxyParseStatus.Complete"/>.</param>
/// <param name="Header">The header when <see cref="ProxyParseStatus.Complete"/>.</param>
/// <param name="Error">Why the bytes are not a valid header (for the log).</param>
/// <param name="ErrorType">The metrics' <c>error.type</c>: <c>missing</c>, <c>malformed</c> or <c>too_large</c>.</param>
internal readonly record struct ProxyParseResult(ProxyParseStatus Status, int Consumed, ProxyHeader Header, string? Error, string? ErrorType)
{
    public static ProxyParseResult NeedMore { get; } = new(ProxyParseStatus.Incomplete, 0, default, null, null);

    public static ProxyParseResult Missing(string error) => new(ProxyParseStatus.NotProxy, 0, default, error, "missing");

    public static ProxyParseResult Malformed(string error) => new(ProxyParseStatus.Invalid, 0, default, error, "malformed");

    public static ProxyParseResult TooLarge(string error) => new(ProxyParseStatus.Invalid, 0, default, error, "too_large");

    public static ProxyParseResult Done(int consumed, ProxyHeader header) => new(ProxyParseStatus.Complete, consumed, header, null, null);
}

/// <summary>
/// The PROXY protocol header parser (haproxy's proxy-protocol.txt, versions 1 and 2). Pure: it looks at the
/// first bytes of a connection and says whether they hold a complete header, the start of one, or not one.
/// Bytes after the header are never looked at, so the caller can hand it whatever a read returned.
/// </summary>
internal static class ProxyProtocolParser
{
    /// <summary>The longest v1 line, CRLF included (the specification's bound).</summary>
    public const int V1MaxLength = 107;

    /// <summary>The v2 fixed part: signature, version/command, family/protocol, length.</summary>
    public const int V2FixedLength = 16;

    /// <summary>The most a v2 header can be: the fixed part and a 16-bit length.</summary>
    public const int V2MaxLength = V2FixedLength + ushort.MaxValue;

    private const int V1MinLength = 15; // "PROXY UNKNOWN\r\n"

    public static ReadOnlySpan<byte> V2Signature => "\r\n\r\n\0\r\nQUIT\n"u8;

    public static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>
    /// Parses the header at the start of <paramref name="data"/>.
    /// </summary>
    /// <param name="data">The connection's first bytes (any amount).</param>
    /// <param name="mode">Which versions are accepted.</param>
    /// <param name="maxV2Length">The largest v2 header accepted (fixed part, addresses and TLVs).</param>
    public static ProxyParseResult Parse(ReadOnlySpan<byte> data, ProxyProtocolMode mode, int maxV2Length = V2MaxLength)
    {
        var v1 = mode is ProxyProtocolMode.Auto or ProxyProtocolMode.V1;
        var v2 = mode is ProxyProtocolMode.Auto or ProxyProtocolMode.V2;

        // Decide the version on as few bytes as possible: a TLS record or an HTTP method differs at byte 1-3.
        var couldBeV1 = v1 && StartsLike(data, V1Prefix);
        var couldBeV2 = v2 && StartsLike(data, V2Signature);
        if (!couldBeV1 && !couldBeV2)
        {
            return ProxyParseResult.Missing(mode switch
            {
                ProxyProtocolMode.V1 => "the connection does not start with a PROXY v1 header",
                ProxyProtocolMode.V2 => "the connection does not start with a PROXY v2 header",
                _ => "the connection does not start with a PROXY header",
            });
        }

        if (couldBeV1 && data.Length >= V1Prefix.Length)
        {
            return ParseV1(data);
        }

        if (couldBeV2 && data.Length >= V2Signature.Length)
        {
            return ParseV2(data, maxV2Length);
        }

        return ProxyParseResult.NeedMore;
    }

    /// <summary>True when <paramref name="data"/> could still become <paramref name="prefix"/> (or has it).</summary>
    public static bool StartsLike(ReadOnlySpan<byte> data, ReadOnlySpan<byte> prefix)
    {
        var n = Math.Min(data.Length, prefix.Length);
        return data[..n].SequenceEqual(prefix[..n]);
    }

    private static ProxyParseResult ParseV1(ReadOnlySpan<byte> data)
    {
        var window = data[..Math.Min(data.Length, V1MaxLength)];
        var end = window.IndexOf("\r\n"u8);
        if (end < 0)
        {
            // Only printable ASCII and single spaces may come before the CRLF; a bare LF or NUL is garbage now,
            // not after 107 bytes.
            var bad = IndexOfNonLineByte(window.Length > 0 && window[^1] == (byte)'\r' ? window[..^1] : window);
            if (bad >= 0)
            {
                return ProxyParseResult.Malformed("PROXY v1 line contains a control byte");
            }

            return window.Length >= V1MaxLength
                ? ProxyParseResult.TooLarge("PROXY v1 line longer than 107 bytes")
                : ProxyParseResult.NeedMore;
        }

        var consumed = end + 2;
        if (consumed < V1MinLength)
        {
            return ProxyParseResult.Malformed("PROXY v1 line too short");
        }

        var line = window[..end];
        if (IndexOfNonLineByte(line) >= 0)
        {
            return ProxyParseResult.Malformed("PROXY v1 line contains a control byte");
        }

        var rest = line[V1Prefix.Length..];
        if (rest.StartsWith("UNKNOWN"u8) && (rest.Length == 7 || rest[7] == (byte)' '))
        {
            // The specification: with UNKNOWN the receiver ignores the rest of the line and uses the connection's addresses.
            return ProxyParseResult.Done(consumed, new ProxyHeader(ProxyHeaderVersion.V1, IsLocal: false, null, null));
        }

        Span<Range> parts = stackalloc Range[5];
        if (!TrySplitFive(rest, parts))
        {
            return ProxyParseResult.Malformed("PROXY v1 line does not have 5 space-separated fields after PROXY");
        }

        var protocol = rest[parts[0]];
        bool ipv6;
        if (protocol.SequenceEqual("TCP4"u8))
        {
            ipv6 = false;
        }
        else if (protocol.SequenceEqual("TCP6"u8))
        {
            ipv6 = true;
        }
        else
        {
            return ProxyParseResult.Malformed("PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN");
        }

        if (!TryParseAddress(rest[parts[1]], ipv6, out var source) || !TryParseAddress(rest[parts[2]], ipv6, out var destination))
        {
            return ProxyParseResult.Malformed(ipv6 ? "PROXY v1 address is not an IPv6 address" : "PROXY v1 address is not a dotted-quad IPv4 address");
        }

        if (!TryParsePort(rest[parts[3]], out var sourcePort) || !TryParsePort(rest[parts[4]], out var destinationPort))
        {
            return ProxyParseResult.Malformed("PROXY v1 port is not a decimal number 0-65535");
        }

        return ProxyParseResult.Done(
            consumed,
            new ProxyHeader(ProxyHeaderVersion.V1, IsLocal: false, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort)));
    }

    private static ProxyParseResult ParseV2(ReadOnlySpan<byte> data, int maxV2Length)
    {
        if (data.Length < V2FixedLength)
        {
            // The version/command byte is known before the rest: reject a wrong one without waiting.
            return data.Length > 12 && (data[12] >> 4) != 2
                ? ProxyParseResult.Malformed("PROXY v2 version is not 2")
                : ProxyParseResult.NeedMore;
        }

        var versionCommand = data[12];
        if ((versionCommand >> 4) != 2)
        {
            return ProxyParseResult.Malformed("PROXY v2 version is not 2");
        }

        var command = versionCommand & 0x0F;
        if (command > 1)
        {
            return ProxyParseResult.Malformed("PROXY v2 command is neither LOCAL nor PROXY");
        }

        var family = data[13] >> 4;
        var transport = data[13] & 0x0F;
        var length = BinaryPrimitives.ReadUInt16BigEndian(data[14..]);
        var total = V2FixedLength + length;
        if (total > maxV2Length)
        {
            return ProxyParseResult.TooLarge("PROXY v2 header larger than the configured maximum");
        }

        if (family > 3 || transport > 2)
        {
            return ProxyParseResult.Malformed("PROXY v2 address family or transport protocol is not defined");
        }

        var addressLength = family switch
        {
            1 => 12,   // AF_INET: 4 + 4 + 2 + 2
            2 => 36,   // AF_INET6: 16 + 16 + 2 + 2
            3 => 216,  // AF_UNIX: 108 + 108
            _ => 0,    // AF_UNSPEC
        };
        if (length < addressLength)
        {
            return ProxyParseResult.Malformed("PROXY v2 length too short for its address family");
        }

        if (data.Length < total)
        {
            return ProxyParseResult.NeedMore;
        }

        var body = data[V2FixedLength..total];
        if (!TlvsAreWellFormed(body[addressLength..]))
        {
            return ProxyParseResult.Malformed("PROXY v2 TLV runs past the end of the header");
        }

        if (command == 0)
        {
            // LOCAL: the proxy's own connection (health check); the addresses, if any, are ignored.
            return ProxyParseResult.Done(total, new ProxyHeader(ProxyHeaderVersion.V2, IsLocal: true, null, null));
        }

        if (family is 1 or 2 && transport != 1)
        {
            // Only STREAM makes sense on a TCP connection; gunicorn rejects DGRAM the same way.
            return ProxyParseResult.Malformed("PROXY v2 transport protocol is not STREAM");
        }

        IPEndPoint? source = null, destination = null;
        if (family == 1)
        {
            source = new IPEndPoint(new IPAddress(body[..4]), BinaryPrimitives.ReadUInt16BigEndian(body[8..]));
            destination = new IPEndPoint(new IPAddress(body[4..8]), BinaryPrimitives.ReadUInt16BigEndian(body[10..]));
        }
        else if (family == 2)
        {
            source = new IPEndPoint(new IPAddress(body[..16]), BinaryPrimitives.ReadUInt16BigEndian(body[32..]));
            destination = new IPEndPoint(new IPAddress(body[16..32]), BinaryPrimitives.ReadUInt16BigEndian(body[34..]));
        }

        // UNSPEC and UNIX carry no IP address: the connection's own addresses stand.
        return ProxyParseResult.Done(total, new ProxyHeader(ProxyHeaderVersion.V2, IsLocal: false, source, destination));
    }

    // TLVs: type (1), length (2, big-endian), value. They are skipped, but a chain that overruns the header's
    // length means the length field or the sender is wrong.
    private static bool TlvsAreWellFormed(ReadOnlySpan<byte> tlvs)
    {
        while (tlvs.Length > 0)
        {
            if (tlvs.Length < 3)
            {
                return false;
            }

            var valueLength = BinaryPrimitives.ReadUInt16BigEndian(tlvs[1..]);
            if (tlvs.Length - 3 < valueLength)
            {
                return false;
            }

            tlvs = tlvs[(3 + valueLength)..];
        }

        return true;
    }

    private static bool TrySplitFive(ReadOnlySpan<byte> text, Span<Range> parts)
    {
        var start = 0;
        var count = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == (byte)' ')
            {
                if (count == parts.Length)
                {
                    return false;
                }

                parts[count++] = start..i;
                start = i + 1;
            }
        }

        return count == parts.Length;
    }

    private static int IndexOfNonLineByte(ReadOnlySpan<byte> line) => line.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E);

    private static bool TryParseAddress(ReadOnlySpan<byte> text, bool ipv6, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.IsEmpty || text.Length > 45)
        {
            return false;
        }

        if (!ipv6)
        {
            return TryParseDottedQuad(text, out address);
        }

        // IPAddress.TryParse also takes scope ids and brackets: only hex digits, colons and an embedded dotted quad here.
        foreach (var b in text)
        {
            if (!(char.IsAsciiHexDigit((char)b) || b == (byte)':' || b == (byte)'.'))
            {
                return false;
            }
        }

        Span<char> chars = stackalloc char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        if (!IPAddress.TryParse(chars, out var parsed) || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    // IPAddress.TryParse accepts "1", "0x7f.1" and other inet_aton forms; the specification wants four decimal octets.
    private static bool TryParseDottedQuad(ReadOnlySpan<byte> text, out IPAddress address)
    {
        address = IPAddress.None;
        Span<byte> octets = stackalloc byte[4];
        var index = 0;
        var value = 0;
        var digits = 0;
        foreach (var b in text)
        {
            if (b == (byte)'.')
            {
                if (digits == 0 || index == 3)
                {
                    return false;
                }

                octets[index++] = (byte)value;
                value = 0;
                digits = 0;
                continue;
            }

            if (!char.IsAsciiDigit((char)b) || digits == 3)
            {
                return false;
            }

            value = (value * 10) + (b - '0');
            digits++;
            if (value > 255)
            {
                return false;
            }
        }

        if (digits == 0 || index != 3)
        {
            return false;
        }

        octets[3] = (byte)value;
        address = new IPAddress(octets);
        return true;
    }

    private static bool TryParsePort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        if (text.IsEmpty || text.Length > 5 || (text.Length > 1 && text[0] == (byte)'0'))
        {
            return false; // the specification: decimal with no leading zero
        }

        foreach (var b in text)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }

            port = (port * 10) + (b - '0');
        }

        return port <= ushort.MaxValue;
    }
}
