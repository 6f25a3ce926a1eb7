namespace Http2Features.Tests.Connection;

/// <summary>Parses raw HTTP/2 frames for assertions (test-only; strict: a torn frame fails).</summary>
internal sealed record TestFrame(int Length, byte Type, byte Flags, int StreamId, byte[] Payload, long Offset);

internal static class TestFrames
{
    public static List<TestFrame> Parse(ReadOnlySpan<byte> bytes)
    {
        var frames = new List<TestFrame>();
        var at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 9)
            {
                throw new InvalidDataException($"Torn frame header at offset {at}.");
            }

            var length = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
            var streamId = (int)(((uint)bytes[at + 5] << 24 | (uint)bytes[at + 6] << 16 | (uint)bytes[at + 7] << 8 | bytes[at + 8]) & 0x7FFFFFFF);
            if (bytes.Length - at - 9 < length)
            {
                throw new InvalidDataException($"Torn frame payload at offset {at}.");
            }

            frames.Add(new TestFrame(length, bytes[at + 3], bytes[at + 4], streamId, bytes.Slice(at + 9, length).ToArray(), at));
            at += 9 + length;
        }

        return frames;
    }

    public static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[9 + payload.Length];
        bytes[0] = (byte)(payload.Length >> 16);
        bytes[1] = (byte)(payload.Length >> 8);
        bytes[2] = (byte)payload.Length;
        bytes[3] = type;
        bytes[4] = flags;
        bytes[5] = (byte)(streamId >> 24);
        bytes[6] = (byte)(streamId >> 16);
        bytes[7] = (byte)(streamId >> 8);
        bytes[8] = (byte)streamId;
        payload.CopyTo(bytes.AsSpan(9));
        return bytes;
    }
}
