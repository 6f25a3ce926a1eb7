using System.Net;
using CsCheck;
using Http2Features.Connection.ProxyProtocol;

namespace Http2Features.Tests.Connection.ProxyProtocol;

/// <summary>
/// Property-based: valid headers round-trip whatever follows them; mutated and truncated headers never throw,
/// and a verdict reached on some bytes never changes when more bytes arrive (the reader may decide early).
/// </summary>
public class ProxyProtocolParserPropertyTests
{
    private static readonly Gen<IPEndPoint> Endpoint4 = Gen.Select(Gen.UInt, Gen.Int[0, 65535], (a, p) => new IPEndPoint(new IPAddress(a), p));

    private static readonly Gen<IPEndPoint> Endpoint6 = Gen.Select(Gen.Byte.Array[16], Gen.Int[0, 65535], (a, p) => new IPEndPoint(new IPAddress(a), p));

    private static readonly Gen<(byte, byte[])[]> TlvGen = Gen.Select(Gen.Byte, Gen.Byte.Array[0, 40], (t, v) => (t, v)).Array[0, 5];

    // (bytes, expected source, expected destination, expected local)
    private static readonly Gen<(byte[] Bytes, IPEndPoint? Source, IPEndPoint? Destination, bool Local)> ValidHeader = Gen.OneOf(
        Gen.Select(Gen.Bool, Endpoint4, Endpoint4, Endpoint6, Endpoint6, (v6, s4, d4, s6, d6) =>
            v6 ? (ProxyHeaderBytes.V1(s6, d6), (IPEndPoint?)s6, (IPEndPoint?)d6, false) : (ProxyHeaderBytes.V1(s4, d4), s4, d4, false)),
        Gen.Select(Gen.Bool, Endpoint4, Endpoint4, Endpoint6, Endpoint6, TlvGen, (v6, s4, d4, s6, d6, tlvs) =>
            v6 ? (ProxyHeaderBytes.V2(s6, d6, tlvs), (IPEndPoint?)s6, (IPEndPoint?)d6, false) : (ProxyHeaderBytes.V2(s4, d4, tlvs), s4, d4, false)),
        TlvGen.Select(tlvs => (ProxyHeaderBytes.V2Local(tlvs), (IPEndPoint?)null, (IPEndPoint?)null, true)),
        Gen.Const((ProxyHeaderBytes.V1Unknown(), (IPEndPoint?)null, (IPEndPoint?)null, false)));

    [Fact]
    public void Valid_headers_parse_to_their_addresses_and_length_whatever_follows()
    {
        Gen.Select(ValidHeader, Gen.Byte.Array[0, 64]).Sample(
            (header, suffix) =>
            {
                var result = ProxyProtocolParser.Parse([.. header.Bytes, .. suffix], ProxyProtocolMode.Auto);
                return result.Status == ProxyParseStatus.Complete
                    && result.Consumed == header.Bytes.Length
                    && Equals(result.Header.Source, header.Source)
                    && Equals(result.Header.Destination, header.Destination)
                    && result.Header.IsLocal == header.Local;
            },
            iter: 5_000);
    }

    [Fact]
    public void Mutated_and_truncated_headers_never_throw_and_a_verdict_never_changes_with_more_bytes()
    {
        var gen = Gen.Select(
            ValidHeader,
            Gen.Select(Gen.Int[0, 10_000], Gen.Byte).Array[0, 4],
            Gen.Byte.Array[0, 32],
            Gen.Int[0, 200],
            Gen.Int[0, 2]);
        gen.Sample(
            (header, mutations, suffix, cut, modeIndex) =>
            {
                byte[] bytes = [.. header.Bytes, .. suffix];
                foreach (var (position, value) in mutations)
                {
                    bytes[position % bytes.Length] = value; // a signature byte, a length, an address, a TLV...
                }

                var mode = (ProxyProtocolMode)modeIndex;
                var whole = ProxyProtocolParser.Parse(bytes, mode);
                if (whole.Status == ProxyParseStatus.Complete && (whole.Consumed <= 0 || whole.Consumed > bytes.Length))
                {
                    return false;
                }

                // Decided on a prefix => decided the same on the whole input (the middleware stops reading there).
                var prefix = ProxyProtocolParser.Parse(bytes.AsSpan(0, Math.Min(cut, bytes.Length)), mode);
                return prefix.Status == ProxyParseStatus.Incomplete
                    || (prefix.Status == whole.Status && prefix.Consumed == whole.Consumed
                        && Equals(prefix.Header.Source, whole.Header.Source) && Equals(prefix.Header.Destination, whole.Header.Destination));
            },
            iter: 20_000);
    }

    [Fact]
    public void Random_bytes_never_throw_and_never_stay_incomplete_past_the_size_bound()
    {
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Bool, Gen.Int[0, 2]).Sample(
            (bytes, withSignature, modeIndex) =>
            {
                byte[] data = withSignature ? [.. ProxyHeaderBytes.Signature, .. bytes] : [.. "PROXY "u8.ToArray(), .. bytes];
                var result = ProxyProtocolParser.Parse(data, (ProxyProtocolMode)modeIndex, maxV2Length: 256);

                // Incomplete is only allowed while the header could still fit: 107 bytes for v1, 256 configured for v2.
                return result.Status != ProxyParseStatus.Incomplete || data.Length < (withSignature ? 256 : ProxyProtocolParser.V1MaxLength);
            },
            iter: 20_000);
    }
}
