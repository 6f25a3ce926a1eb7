using System.Buffers.Binary;
using System.Text;

namespace Http2Features.Tests.Connection;

/// <summary>Builds client-side HTTP/2 byte sequences for observer tests.</summary>
internal static class FrameBytes
{
    public static byte[] Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    public static byte[] Settings(params (ushort Id, uint Value)[] settings)
    {
        var payload = new byte[settings.Length * 6];
        for (var i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan((i * 6) + 2), settings[i].Value);
        }

        return Frame(0x4, 0, 0, payload);
    }

    public static byte[] PriorityFields(int dependsOn, int weight, bool exclusive)
    {
        var fields = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(fields, (uint)dependsOn | (exclusive ? 0x8000_0000u : 0));
        fields[4] = (byte)(weight - 1);
        return fields;
    }

    public static byte[] Priority(int streamId, int dependsOn, int weight, bool exclusive = false) =>
        Frame(0x2, 0, streamId, PriorityFields(dependsOn, weight, exclusive));

    /// <summary>
    /// <paramref name="count"/> PRIORITY frames in one buffer, each for a different stream that never opens (1, 3, 5, ...),
    /// no dependency, the weight byte varying: the idle-stream flood the memory tests send.
    /// </summary>
    public static byte[] IdleStreamPriorityFlood(int count)
    {
        var frames = new byte[count * 14];
        for (var i = 0; i < count; i++)
        {
            var frame = frames.AsSpan(i * 14, 14);
            frame[2] = 5;
            frame[3] = 0x2;
            BinaryPrimitives.WriteInt32BigEndian(frame[5..], (2 * i) + 1);
            frame[13] = (byte)i;
        }

        return frames;
    }

    /// <summary>HEADERS with an opaque header block, optionally PRIORITY and PADDED.</summary>
    public static byte[] Headers(int streamId, (int DependsOn, int Weight, bool Exclusive)? priority = null, byte? padLength = null, int blockLength = 20, bool endStream = true)
    {
        var payload = new List<byte>();
        byte flags = 0x4; // END_HEADERS
        if (endStream)
        {
            flags |= 0x1;
        }

        if (padLength is { } pad)
        {
            flags |= 0x8;
            payload.Add(pad);
        }

        if (priority is { } p)
        {
            flags |= 0x20;
            payload.AddRange(PriorityFields(p.DependsOn, p.Weight, p.Exclusive));
        }

        // An opaque block that happens to look like frame headers: the observer must skip it, not scan it.
        for (var i = 0; i < blockLength; i++)
        {
            payload.Add((byte)(i % 3 == 0 ? 0x2 : 0x0));
        }

        payload.AddRange(new byte[padLength ?? 0]);
        return Frame(0x1, flags, streamId, payload.ToArray());
    }

    public static byte[] PriorityUpdate(int prioritizedStreamId, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        var payload = new byte[4 + bytes.Length];
        BinaryPrimitives.WriteInt32BigEndian(payload, prioritizedStreamId);
        bytes.CopyTo(payload, 4);
        return Frame(0x10, 0, 0, payload);
    }

    public static byte[] RstStream(int streamId) => Frame(0x3, 0, streamId, new byte[4]);

    public static byte[] Data(int streamId, int length, bool endStream = false) => Frame(0x0, endStream ? (byte)1 : (byte)0, streamId, new byte[length]);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
