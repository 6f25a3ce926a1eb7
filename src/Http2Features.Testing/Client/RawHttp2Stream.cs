using System.Buffers;
using System.Diagnostics;
using System.Globalization;

namespace Http2Features.Testing;

/// <summary>
/// One request stream of a <see cref="RawHttp2Client"/>. Everything the server sends on it is collected by the
/// client's background reader; <see cref="ReadResponseAsync"/> waits for the stream to end.
/// </summary>
public sealed class RawHttp2Stream
{
    private readonly RawHttp2Client _client;
    private readonly List<InformationalResponse> _informational = new();
    private readonly ArrayBufferWriter<byte> _body = new();
    private readonly TaskCompletionSource<RawHttp2Response> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _headersReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _informationalArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HeaderList? _headers;
    private HeaderList? _trailers;
    private Http2ErrorCode? _resetCode;
    private int _dataFrames;
    private long _headersTimestamp;
    private long _firstDataTimestamp;
    private long _endTimestamp;
    private long _headersSequence = -1;
    private long _firstDataSequence = -1;
    private long _endSequence = -1;
    private bool _endStreamReceived;

    internal RawHttp2Stream(RawHttp2Client client, int streamId, long sendWindow)
    {
        _client = client;
        StreamId = streamId;
        SendWindow = sendWindow;
    }

    /// <summary>The stream identifier.</summary>
    public int StreamId { get; }

    /// <summary>True once the stream ended (END_STREAM or RST_STREAM received, RST_STREAM sent, or the connection failed).</summary>
    public bool IsCompleted => _completed.Task.IsCompleted;

    /// <summary>True when the client reset this stream itself with <see cref="RawHttp2Client.SendRstStreamAsync"/>.</summary>
    public bool ResetByClient { get; private set; }

    /// <summary>Informational responses received so far.</summary>
    public IReadOnlyList<InformationalResponse> Informational
    {
        get
        {
            lock (_client.Sync)
            {
                return _informational.ToArray();
            }
        }
    }

    // Guarded by _client.Sync.
    internal long SendWindow { get; set; }

    internal int ReceiveUnacknowledged { get; set; }

    internal bool LocalEnded { get; set; }

    internal bool HasFinalHeaders => _headers is not null;

    internal bool IsReset => _resetCode is not null;

    /// <summary>Waits for the stream to end and returns everything received on it.</summary>
    /// <param name="timeout">How long to wait; default the client's <see cref="RawHttp2ClientOptions.Timeout"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="RawHttp2Exception">Timeout (the message lists what arrived), or the connection failed first.</exception>
    public Task<RawHttp2Response> ReadResponseAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.WaitAsync(_completed.Task, timeout, cancellationToken, $"the end of stream {StreamId} (END_STREAM or RST_STREAM)", DescribeProgress);

    /// <summary>Waits for the final (non-1xx) response headers and returns what has been received so far (body may be partial).</summary>
    public async Task<RawHttp2Response> WaitForHeadersAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await _client.WaitAsync(WhenHeadersOrEnd(), timeout, cancellationToken, $"the final response headers on stream {StreamId}", DescribeProgress);
        return Snapshot();
    }

    /// <summary>Waits until at least <paramref name="count"/> informational (1xx) responses arrived and returns the <paramref name="count"/>-th.</summary>
    public async Task<InformationalResponse> WaitForInformationalAsync(int count = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var started = Stopwatch.GetTimestamp();
        var limit = timeout ?? _client.Options.Timeout;
        while (true)
        {
            Task signal;
            lock (_client.Sync)
            {
                if (_informational.Count >= count)
                {
                    return _informational[count - 1];
                }

                if (_completed.Task.IsCompleted || _headers is not null)
                {
                    throw new RawHttp2Exception(
                        $"Expected {count} informational response(s) on stream {StreamId} but the final response or stream end came first: {DescribeProgress()}");
                }

                signal = _informationalArrived.Task;
            }

            var remaining = limit - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                remaining = TimeSpan.FromMilliseconds(1);
            }

            await _client.WaitAsync(Task.WhenAny(signal, _completed.Task), remaining, cancellationToken,
                $"{count} informational (1xx) response(s) on stream {StreamId}", DescribeProgress);
        }
    }

    /// <summary>Sends request body bytes as DATA frames, waiting for flow-control window as needed.</summary>
    /// <remarks>Stops quietly when the stream has been reset (the response then carries the reset code).</remarks>
    public Task SendDataAsync(ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken = default) =>
        _client.SendDataAsync(this, data, endStream, cancellationToken);

    /// <summary>Sends request trailers as a HEADERS frame with END_STREAM (after any body sent with <see cref="SendDataAsync"/>).</summary>
    public Task SendTrailersAsync(IEnumerable<KeyValuePair<string, string>> trailers, CancellationToken cancellationToken = default) =>
        _client.SendTrailersAsync(this, trailers, cancellationToken);

    /// <summary>Sends RST_STREAM for this stream.</summary>
    public Task SendRstStreamAsync(Http2ErrorCode errorCode, CancellationToken cancellationToken = default) =>
        _client.SendRstStreamAsync(StreamId, errorCode, cancellationToken);

    /// <summary>What has been received so far, without waiting.</summary>
    public RawHttp2Response Snapshot()
    {
        lock (_client.Sync)
        {
            return Build();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"stream {StreamId}: {DescribeProgress()}";

    private async Task<bool> WhenHeadersOrEnd()
    {
        await Task.WhenAny(_headersReceived.Task, _completed.Task);
        return true;
    }

    internal string DescribeProgress()
    {
        lock (_client.Sync)
        {
            var parts = new List<string>();
            foreach (var i in _informational)
            {
                parts.Add("informational " + i.Status.ToString(CultureInfo.InvariantCulture));
            }

            parts.Add(_headers is null ? "no final HEADERS" : "final HEADERS " + (_headers[":status"] ?? "?"));
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{_dataFrames} DATA frame(s), {_body.WrittenCount} body bytes"));
            if (_trailers is not null)
            {
                parts.Add("trailers");
            }

            parts.Add(_resetCode is { } c ? "RST_STREAM " + c : _endStreamReceived ? "END_STREAM" : "no END_STREAM");
            return "Received on stream " + StreamId.ToString(CultureInfo.InvariantCulture) + ": " + string.Join(", ", parts);
        }
    }

    // ---- called by the client's reader with _client.Sync held ----

    internal void OnHeaderBlock(List<KeyValuePair<string, string>> fields, bool endStream, long timestamp, long sequence)
    {
        var list = new HeaderList(fields);
        var statusText = list[":status"];
        _ = int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var status);
        if (_headers is null && status is >= 100 and < 200)
        {
            _informational.Add(new InformationalResponse(status, list, timestamp, _client.ElapsedSince(timestamp), sequence));
            var signal = _informationalArrived;
            _informationalArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
            signal.TrySetResult();
        }
        else if (_headers is null)
        {
            _headers = list;
            _headersTimestamp = timestamp;
            _headersSequence = sequence;
            _headersReceived.TrySetResult();
        }
        else
        {
            _trailers = list;
        }

        if (endStream)
        {
            _endStreamReceived = true;
            _endSequence = sequence;
            Complete(timestamp);
        }
    }

    internal bool OnData(ReadOnlySpan<byte> data, bool endStream, long timestamp, long sequence, long maxBody)
    {
        if (_dataFrames++ == 0)
        {
            _firstDataTimestamp = timestamp;
            _firstDataSequence = sequence;
        }

        if (_body.WrittenCount + (long)data.Length > maxBody)
        {
            return false;
        }

        _body.Write(data);
        if (endStream)
        {
            _endStreamReceived = true;
            _endSequence = sequence;
            Complete(timestamp);
        }

        return true;
    }

    internal void OnReset(Http2ErrorCode code, long timestamp, long sequence, bool byClient)
    {
        if (_completed.Task.IsCompleted)
        {
            return;
        }

        _resetCode = code;
        _endSequence = sequence;
        ResetByClient = byClient;
        Complete(timestamp);
    }

    internal void Fail(Exception error)
    {
        _completed.TrySetException(error);
        _headersReceived.TrySetException(error);
        _informationalArrived.TrySetException(error);
        _ = _completed.Task.Exception;
        _ = _headersReceived.Task.Exception;
        _ = _informationalArrived.Task.Exception;
    }

    private void Complete(long timestamp)
    {
        _endTimestamp = timestamp;
        _completed.TrySetResult(Build());
        _headersReceived.TrySetResult();
    }

    private RawHttp2Response Build() => new(
        StreamId,
        _informational.ToArray(),
        _headers is null ? 0 : int.TryParse(_headers[":status"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0,
        _headers ?? HeaderList.Empty,
        _body.WrittenSpan.ToArray(),
        _trailers ?? HeaderList.Empty,
        _resetCode,
        _dataFrames,
        _headersTimestamp,
        _firstDataTimestamp,
        _endTimestamp,
        _headersSequence,
        _endStreamReceived)
    {
        FirstDataFrameSequence = _firstDataSequence,
        EndFrameSequence = _endSequence,
    };
}
