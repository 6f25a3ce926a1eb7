using System.Net.Sockets;

namespace Http2Features.Scheduling;

/// <summary>
/// <c>TCP_NOTSENT_LOWAT</c>: the kernel stops accepting writes once this many bytes are queued but not yet
/// sent, so data waits above the scheduler (where an urgent response can overtake it) instead of in the
/// socket buffer, which otherwise grows to megabytes (tcp_wmem) on a fast sender.
/// </summary>
internal static class NotSentLowWatermark
{
    private const int IpProtoTcp = 6;
    private const int LinuxOption = 25;   // linux/tcp.h
    private const int MacOption = 0x201;  // netinet/tcp.h

    /// <summary>Whether this platform has the option.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    public static void Set(Socket socket, int bytes)
    {
        Span<byte> value = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(value, bytes);
        if (!BitConverter.IsLittleEndian)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(value, bytes);
        }

        socket.SetRawSocketOption(IpProtoTcp, OperatingSystem.IsLinux() ? LinuxOption : MacOption, value);
    }

    /// <summary>Reads the option back (tests and diagnostics).</summary>
    public static int Get(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        var n = socket.GetRawSocketOption(IpProtoTcp, OperatingSystem.IsLinux() ? LinuxOption : MacOption, value);
        return n == 4 ? BitConverter.ToInt32(value) : -1;
    }
}
