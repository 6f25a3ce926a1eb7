namespace Http2Features.Testing;

/// <summary>A request sent by <see cref="RawHttp2Client.SendRequestAsync"/>.</summary>
public sealed class RawHttp2Request
{
    /// <summary>Creates a GET request for <c>/</c>.</summary>
    public RawHttp2Request()
    {
    }

    /// <summary>Creates a request.</summary>
    public RawHttp2Request(string method, string path)
    {
        Method = method;
        Path = path;
    }

    /// <summary>The <c>:method</c> pseudo-header. Default GET.</summary>
    public string Method { get; set; } = "GET";

    /// <summary>The <c>:path</c> pseudo-header. Default <c>/</c>.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The <c>:scheme</c> pseudo-header; default the connection's scheme (https or http).</summary>
    public string? Scheme { get; set; }

    /// <summary>The <c>:authority</c> pseudo-header; default the client's authority. Empty string: don't send one.</summary>
    public string? Authority { get; set; }

    /// <summary>Regular request headers, in order.</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

    /// <summary>When set, HEADERS carries the PRIORITY flag with this dependency, weight and exclusive bit (RFC 7540 5.3).</summary>
    public Http2PriorityData? Priority { get; set; }

    /// <summary>When set, HEADERS carries the PADDED flag and this many padding bytes.</summary>
    public byte? PadLength { get; set; }

    /// <summary>The request body, sent as DATA frames (respecting flow control). Null: no DATA frames.</summary>
    public ReadOnlyMemory<byte>? Body { get; set; }

    /// <summary>Request trailers: sent as a final HEADERS frame with END_STREAM after <see cref="Body"/> (when <see cref="EndStream"/> is true).</summary>
    public IList<KeyValuePair<string, string>> Trailers { get; } = new List<KeyValuePair<string, string>>();

    /// <summary>End the stream after the headers (or after <see cref="Body"/>). Default true; false keeps the stream open for <see cref="RawHttp2Stream.SendDataAsync"/>.</summary>
    public bool EndStream { get; set; } = true;

    /// <summary>
    /// Largest header block fragment per frame; a larger block is split into HEADERS + CONTINUATION frames.
    /// Default null: the server's SETTINGS_MAX_FRAME_SIZE.
    /// </summary>
    public int? MaxHeaderFragmentSize { get; set; }

    /// <summary>Adds a header and returns this request (fluent).</summary>
    public RawHttp2Request WithHeader(string name, string value)
    {
        Headers.Add(new(name, value));
        return this;
    }
}

/// <summary>RFC 7540 priority fields: a stream dependency, a weight 1..256 and the exclusive bit.</summary>
/// <param name="DependsOn">The stream this one depends on (0 = root).</param>
/// <param name="Weight">The weight, 1..256 (sent as weight − 1).</param>
/// <param name="Exclusive">The exclusive flag.</param>
public readonly record struct Http2PriorityData(int DependsOn, int Weight, bool Exclusive = false);
