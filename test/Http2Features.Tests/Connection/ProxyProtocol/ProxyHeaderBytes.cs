using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Http2Features.Tests.Connection.ProxyProtocol;

/// <summary>Builds PROXY protocol headers the way haproxy writes them (proxy-protocol.txt).</summary>
internal static class ProxyHeaderBytes
{
    public static readonly byte[] Signature = "\r\n\r\n\0\r\nQUIT\n"u8.ToArray();

    public static byte[] V1(IPEndPoint source, IPEndPoint destination)
    {
        var family = source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Encoding.ASCII.GetBytes($"PROXY {family} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n");
    }

    public static byte[] V1Unknown(string rest = "") => Encoding.ASCII.GetBytes("PROXY UNKNOWN" + rest + "\r\n");

    /// <summary>A v2 PROXY (command 1) header over STREAM with the given TLVs (type, value) after the addresses.</summary>
    public static byte[] V2(IPEndPoint source, IPEndPoint destination, params (byte Type, byte[] Value)[] tlvs)
    {
        var ipv4 = source.AddressFamily == AddressFamily.InterNetwork;
        var addresses = new byte[ipv4 ? 12 : 36];
        var size = ipv4 ? 4 : 16;
        source.Address.GetAddressBytes().CopyTo(addresses, 0);
        destination.Address.GetAddressBytes().CopyTo(addresses, size);
        BinaryPrimitives.WriteUInt16BigEndian(addresses.AsSpan(2 * size), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(addresses.AsSpan((2 * size) + 2), (ushort)destination.Port);
        return V2Raw(0x21, (byte)(ipv4 ? 0x11 : 0x21), [.. addresses, .. Tlvs(tlvs)]);
    }

    /// <summary>A v2 LOCAL header (health checks): no addresses.</summary>
    public static byte[] V2Local(params (byte Type, byte[] Value)[] tlvs) => V2Raw(0x20, 0x00, Tlvs(tlvs));

    public static byte[] V2Raw(byte versionCommand, byte familyProtocol, byte[] body)
    {
        var header = new byte[16 + body.Length];
        Signature.CopyTo(header, 0);
        header[12] = versionCommand;
        header[13] = familyProtocol;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)body.Length);
        body.CopyTo(header, 16);
        return header;
    }

    public static byte[] Tlvs(params (byte Type, byte[] Value)[] tlvs)
    {
        var list = new List<byte>();
        foreach (var (type, value) in tlvs)
        {
            list.Add(type);
            list.Add((byte)(value.Length >> 8));
            list.Add((byte)value.Length);
            list.AddRange(value);
        }

        return [.. list];
    }
}
