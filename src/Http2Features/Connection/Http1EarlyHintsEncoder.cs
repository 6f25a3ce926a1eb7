using System.Text;

namespace Http2Features.Connection;

/// <summary>Encodes the HTTP/1.1 status block <c>HTTP/1.1 103 Early Hints\r\n(name: value\r\n)*\r\n</c>.</summary>
internal static class Http1EarlyHintsEncoder
{
    private static ReadOnlySpan<byte> StatusLine => "HTTP/1.1 103 Early Hints\r\n"u8;

    public static int GetLength(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var length = StatusLine.Length + 2;
        for (var i = 0; i < fields.Count; i++)
        {
            length += fields[i].Key.Length + 2 + fields[i].Value.Length + 2;
        }

        return length;
    }

    /// <summary>Writes the block; <paramref name="destination"/> must hold <see cref="GetLength"/> bytes. Fields are ASCII (validated).</summary>
    public static int Encode(IReadOnlyList<KeyValuePair<string, string>> fields, Span<byte> destination)
    {
        StatusLine.CopyTo(destination);
        var at = StatusLine.Length;
        for (var i = 0; i < fields.Count; i++)
        {
            at += Encoding.ASCII.GetBytes(fields[i].Key, destination[at..]);
            destination[at++] = (byte)':';
            destination[at++] = (byte)' ';
            at += Encoding.ASCII.GetBytes(fields[i].Value, destination[at..]);
            destination[at++] = (byte)'\r';
            destination[at++] = (byte)'\n';
        }

        destination[at++] = (byte)'\r';
        destination[at++] = (byte)'\n';
        return at;
    }
}
