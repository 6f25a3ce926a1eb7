using System.Globalization;
using System.Text;

namespace Http2Features.Testing;

/// <summary>An informational (1xx) response received on a stream before its final response.</summary>
public sealed class InformationalResponse
{
    internal InformationalResponse(int status, HeaderList headers, long timestamp, TimeSpan receivedAt, long sequence)
    {
        Status = status;
        Headers = headers;
        Timestamp = timestamp;
        ReceivedAt = receivedAt;
        FrameSequence = sequence;
    }

    /// <summary>The 1xx status code.</summary>
    public int Status { get; }

    /// <summary>The header fields, including <c>:status</c>.</summary>
    public HeaderList Headers { get; }

    /// <summary>When the header block completed, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp.</summary>
    public long Timestamp { get; }

    /// <summary>When the header block completed, relative to when the connection was opened.</summary>
    public TimeSpan ReceivedAt { get; }

    /// <summary>The <see cref="FrameLogEntry.Sequence"/> of the frame that completed the header block (for ordering assertions).</summary>
    public long FrameSequence { get; }

    /// <inheritdoc />
    public override string ToString() => Status.ToString(CultureInfo.InvariantCulture) + " [" + Headers + "]";
}

/// <summary>Everything received on one stream: informational responses, final headers, body, trailers, reset.</summary>
public sealed class RawHttp2Response
{
    internal RawHttp2Response(
        int streamId,
        IReadOnlyList<InformationalResponse> informational,
        int status,
        HeaderList headers,
        byte[] body,
        HeaderList trailers,
        Http2ErrorCode? resetCode,
        int dataFrameCount,
        long headersTimestamp,
        long firstDataTimestamp,
        long endTimestamp,
        long headersSequence,
        bool endStreamReceived)
    {
        StreamId = streamId;
        Informational = informational;
        Status = status;
        Headers = headers;
        Body = body;
        Trailers = trailers;
        ResetCode = resetCode;
        DataFrameCount = dataFrameCount;
        HeadersTimestamp = headersTimestamp;
        FirstDataTimestamp = firstDataTimestamp;
        EndTimestamp = endTimestamp;
        HeadersFrameSequence = headersSequence;
        EndStreamReceived = endStreamReceived;
    }

    /// <summary>The stream id.</summary>
    public int StreamId { get; }

    /// <summary>Every 1xx response, in arrival order.</summary>
    public IReadOnlyList<InformationalResponse> Informational { get; }

    /// <summary>The final status code, or 0 when the stream was reset before a final response.</summary>
    public int Status { get; }

    /// <summary>The final response's header fields (pseudo-headers included).</summary>
    public HeaderList Headers { get; }

    /// <summary>The response body (DATA payloads without padding).</summary>
    public byte[] Body { get; }

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>Trailer fields (a HEADERS block after the body), or empty.</summary>
    public HeaderList Trailers { get; }

    /// <summary>The RST_STREAM error code when the server reset the stream, else null.</summary>
    public Http2ErrorCode? ResetCode { get; }

    /// <summary>True when the stream ended with END_STREAM (as opposed to RST_STREAM).</summary>
    public bool EndStreamReceived { get; }

    /// <summary>How many DATA frames carried the body.</summary>
    public int DataFrameCount { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the final HEADERS (0 if none).</summary>
    public long HeadersTimestamp { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the first DATA frame (0 if none).</summary>
    public long FirstDataTimestamp { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of END_STREAM or RST_STREAM.</summary>
    public long EndTimestamp { get; }

    /// <summary>The <see cref="FrameLogEntry.Sequence"/> of the frame that completed the final header block (-1 if none).</summary>
    public long HeadersFrameSequence { get; }

    /// <summary>The <see cref="FrameLogEntry.Sequence"/> of the first DATA frame (-1 if none): compare streams' order of service without timing.</summary>
    public long FirstDataFrameSequence { get; init; } = -1;

    /// <summary>The <see cref="FrameLogEntry.Sequence"/> of the frame that ended the stream (END_STREAM or RST_STREAM; -1 if none).</summary>
    public long EndFrameSequence { get; init; } = -1;

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"stream {StreamId}: ");
        foreach (var i in Informational)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{i.Status} [{i.Headers}]; ");
        }

        sb.Append(Status == 0 ? "no final response" : Status.ToString(CultureInfo.InvariantCulture));
        sb.Append(CultureInfo.InvariantCulture, $" [{Headers}] body {Body.Length} bytes");
        if (Trailers.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; trailers [{Trailers}]");
        }

        if (ResetCode is { } code)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; RST_STREAM {code}");
        }

        return sb.ToString();
    }
}

/// <summary>A failure of the raw HTTP/2 client: a timeout, a closed connection, or a protocol violation by the server.</summary>
public sealed class RawHttp2Exception : Exception
{
    /// <summary>Creates the exception.</summary>
    public RawHttp2Exception()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RawHttp2Exception(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RawHttp2Exception(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
