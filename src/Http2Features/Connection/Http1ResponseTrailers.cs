using System.Text;

namespace Http2Features.Connection;

/// <summary>
/// The HTTP/1.1 response-trailer port: on an HTTP/1.x connection with the seam, it lets the Trailers capability claim the
/// last chunk of the response the current request is about to send. Kestrel serves HTTP/1.1 requests of a connection one
/// after another and writes each response's last chunk before the next request runs, so "the next response head the
/// output sees" is this request's response.
/// </summary>
internal interface IHttp1ResponseTrailerPort
{
    /// <summary>
    /// Claims the trailers of the response this request will send. Call before the response starts. Returns
    /// <see langword="null"/> when the connection's output is not HTTP/1.x (or not observed).
    /// </summary>
    Http1ResponseTrailers? BeginResponse();
}

/// <summary>What the output side learned about the framing of a claimed response.</summary>
internal enum Http1TrailerFraming
{
    /// <summary>The response head has not reached the connection output yet.</summary>
    Pending,

    /// <summary>Kestrel frames the body with chunked transfer coding: the trailers go into its last chunk.</summary>
    Chunked,

    /// <summary>Content-Length, no body, an upgrade or a close-delimited body: there is no last chunk.</summary>
    NotChunked,

    /// <summary>The last chunk went out, with whatever trailers were added until then.</summary>
    Written,

    /// <summary>The connection ended (or another response claimed the output) before the last chunk.</summary>
    Abandoned,

    /// <summary>The output did not follow HTTP/1.1 chunked framing as Kestrel writes it; nothing was injected.</summary>
    FramingMismatch,
}

/// <summary>
/// The trailer fields of one HTTP/1.1 response, written into its last chunk (<c>0\r\n&lt;fields&gt;\r\n\r\n</c>) by the
/// connection's output writer. Fields are added from the request's thread and taken by the writer: one lock.
/// </summary>
internal sealed class Http1ResponseTrailers
{
    private readonly Lock _lock = new();
    private List<KeyValuePair<string, string>>? _fields;
    private Http1TrailerFraming _framing;

    public Http1TrailerFraming Framing
    {
        get
        {
            lock (_lock)
            {
                return _framing;
            }
        }
    }

    /// <summary>Adds one field; <see langword="false"/> once the last chunk went out or cannot come.</summary>
    public bool TryAdd(string name, string value)
    {
        lock (_lock)
        {
            if (_framing is not (Http1TrailerFraming.Pending or Http1TrailerFraming.Chunked))
            {
                return false;
            }

            (_fields ??= []).Add(new(name, value));
            return true;
        }
    }

    public bool Contains(string name)
    {
        lock (_lock)
        {
            if (_fields is not null)
            {
                foreach (var field in _fields)
                {
                    if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    internal void SetFraming(Http1TrailerFraming framing)
    {
        lock (_lock)
        {
            if (_framing is Http1TrailerFraming.Pending or Http1TrailerFraming.Chunked)
            {
                _framing = framing;
            }
        }
    }

    /// <summary>
    /// Called by the writer at the last chunk: marks the trailers written and returns their bytes
    /// (<c>name: value\r\n</c> per value; names and values were validated as visible ASCII), or an empty array.
    /// </summary>
    internal byte[] TakeEncoded()
    {
        lock (_lock)
        {
            _framing = Http1TrailerFraming.Written;
            if (_fields is null || _fields.Count == 0)
            {
                return [];
            }

            var length = 0;
            foreach (var (name, value) in _fields)
            {
                length += name.Length + 2 + value.Length + 2;
            }

            var bytes = new byte[length];
            var offset = 0;
            foreach (var (name, value) in _fields)
            {
                offset += Encoding.ASCII.GetBytes(name, bytes.AsSpan(offset));
                bytes[offset++] = (byte)':';
                bytes[offset++] = (byte)' ';
                offset += Encoding.ASCII.GetBytes(value, bytes.AsSpan(offset));
                bytes[offset++] = (byte)'\r';
                bytes[offset++] = (byte)'\n';
            }

            return bytes;
        }
    }
}
