using System.Buffers;
using System.IO.Pipelines;
using Http2Features.EarlyHints;

namespace Http2Features.Connection;

/// <summary>
/// Wraps the connection's output <see cref="PipeWriter"/> and puts 103 Early Hints between Kestrel's writes.
/// A hint goes in only at a safe point: Kestrel holds no memory obtained since its last flush, no flush is
/// in flight, the output is at an HTTP/2 frame boundary and outside a header block. Otherwise it waits in a
/// queue and is written at Kestrel's next flush (after Kestrel's bytes) or when the output becomes idle.
/// Kestrel never calls the writer concurrently; <see cref="SendAsync"/> runs on request threads, so all
/// bookkeeping is under one lock that is never held across an await.
/// </summary>
internal sealed class EarlyHintsOutputWriter : PipeWriter, IEarlyHintsSender, IHttp2OutputFrameListener, IHttp1ResponseTrailerPort
{
    /// <summary>Kestrel's <c>DynamicHPackEncoder</c> starts at the RFC 7541 default table size.</summary>
    internal const int DefaultHeaderTableSize = 4096;
    internal const int MinMaxFrameSize = 16384;

    private readonly PipeWriter _inner;
    private readonly IHttp2ClientSettingsSource? _clientSettings;
    private readonly Func<bool>? _isApplicationLayer;
    private readonly StreamOutputProgress? _outputProgress;
    private readonly Action<int>? _streamEnded;
    private readonly Lock _lock = new();
    private readonly Http2OutputFrameTracker _tracker;
    private readonly OutputStaging _staging = new();
    private readonly List<PendingHint> _queue = [];
    private readonly Http1ChunkedTrailerTracker _http1Trailers = new();

    private OutputProtocol _protocol;
    private Memory<byte> _kestrelMemory;
    private int _kestrelMemoryOffset;
    private bool _kestrelMemoryFromStaging;
    private bool _kestrelMemoryOutstanding;
    private bool _kestrelFlushInFlight;
    private TaskCompletionSource<FlushResult>? _ownFlush;
    private bool _completed;

    private bool _passthrough;

    // Model of Kestrel's HPACK encoder. Kestrel, on each client SETTINGS (before writing the ACK):
    //   UpdateMaxHeaderTableSize(Math.Min(clientSettings.HeaderTableSize, Limits.Http2.HeaderTableSize))
    // which marks a size update pending when the size changed; its next header block starts with it
    // (DynamicHPackEncoder.EnsureDynamicTableSizeUpdate). The encoder starts at 4096. So an update is owed
    // exactly when min(client size at the last ACK, server limit) differs from the last size Kestrel announced.
    private uint _clientHeaderTableSizeAtAck = DefaultHeaderTableSize;
    private uint _kestrelAnnouncedTableSize = DefaultHeaderTableSize;
    private int _peerMaxFrameSize = MinMaxFrameSize;

    /// <param name="inner">The writer below.</param>
    /// <param name="clientSettings">The client's SETTINGS as observed on input (null: assume defaults).</param>
    /// <param name="isApplicationLayer">
    /// Read at Kestrel's first write: false means this pipe carries TLS records, not HTTP, and the writer
    /// stays a pass-through forever. Null means always the application layer.
    /// </param>
    /// <param name="outputProgress">Told which stream's DATA was written (null: nobody listens).</param>
    /// <param name="streamEnded">Told the id of every stream Kestrel ends (END_STREAM or RST_STREAM), under the writer's lock.</param>
    public EarlyHintsOutputWriter(PipeWriter inner, IHttp2ClientSettingsSource? clientSettings, Func<bool>? isApplicationLayer = null, StreamOutputProgress? outputProgress = null, Action<int>? streamEnded = null)
    {
        _outputProgress = outputProgress;
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _clientSettings = clientSettings;
        _isApplicationLayer = isApplicationLayer;
        _streamEnded = streamEnded;
        _tracker = new Http2OutputFrameTracker(this);
    }

    /// <summary>True once the writer decided it sits below TLS and only forwards.</summary>
    internal bool IsPassthrough => Volatile.Read(ref _passthrough);

    private enum OutputProtocol
    {
        Unknown,
        Http1,
        Http2,
    }

    /// <summary>The dynamic table size update the next injected HEADERS block would carry, or null.</summary>
    internal int? PendingTableSizeUpdate(uint serverHeaderTableSize = DefaultHeaderTableSize)
    {
        lock (_lock)
        {
            return PendingTableSizeUpdateLocked(serverHeaderTableSize);
        }
    }

    private int? PendingTableSizeUpdateLocked(uint serverHeaderTableSize)
    {
        var effective = Math.Min(_clientHeaderTableSizeAtAck, serverHeaderTableSize);
        return effective != _kestrelAnnouncedTableSize ? (int)effective : null;
    }

    internal int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

    public override long UnflushedBytes
    {
        get
        {
            lock (_lock)
            {
                return _inner.UnflushedBytes + _staging.Length;
            }
        }
    }

    public ValueTask<EarlyHintsResult> SendAsync(EarlyHintsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var hint = new PendingHint(request);
        List<PendingHint>? batch = null;
        lock (_lock)
        {
            if (_completed || _passthrough)
            {
                return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.ConnectionClosed));
            }

            if (_protocol == OutputProtocol.Unknown)
            {
                _protocol = request.IsHttp2 ? OutputProtocol.Http2 : OutputProtocol.Http1;
            }

            _queue.Add(hint);
            if (IsIdleLocked())
            {
                batch = WriteQueuedLocked();
            }
        }

        if (batch is not null)
        {
            _ = FlushOwnAsync(batch);
        }

        var task = hint.Completion.Task;
        return task.IsCompletedSuccessfully ? ValueTask.FromResult(task.Result) : WaitAsync(hint, cancellationToken);
    }

    private async ValueTask<EarlyHintsResult> WaitAsync(PendingHint hint, CancellationToken cancellationToken)
    {
        using var aborted = hint.Request.RequestAborted.Register(
            static state =>
            {
                var (writer, pending) = ((EarlyHintsOutputWriter, PendingHint))state!;
                writer.Abandon(pending, EarlyHintsStatus.RequestAborted);
            },
            (this, hint));
        try
        {
            return await hint.Completion.Task.WaitAsync(hint.Request.Timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // A stalled client or a writer stuck behind backpressure: the call ends anyway.
            Abandon(hint, EarlyHintsStatus.Timeout);
            return await hint.Completion.Task;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lock (_lock)
            {
                _queue.Remove(hint);
            }

            hint.Completion.TrySetCanceled(cancellationToken);
            throw;
        }
    }

    private void Abandon(PendingHint hint, EarlyHintsStatus reason)
    {
        lock (_lock)
        {
            _queue.Remove(hint);
        }

        hint.Completion.TrySetResult(new EarlyHintsResult(reason));
    }

    public Http1ResponseTrailers? BeginResponse()
    {
        lock (_lock)
        {
            if (_completed || _passthrough || _protocol == OutputProtocol.Http2)
            {
                return null;
            }

            var trailers = new Http1ResponseTrailers();
            _http1Trailers.Claim(trailers);
            return trailers;
        }
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_passthrough || (_protocol == OutputProtocol.Unknown && _isApplicationLayer is not null && DecidePassthrough()))
        {
            return _inner.GetMemory(sizeHint);
        }

        lock (_lock)
        {
            // While our own flush is in flight, or Kestrel already wrote into staging, keep Kestrel's bytes aside.
            _kestrelMemoryFromStaging = _ownFlush is not null || _staging.HasData;
            _kestrelMemory = _kestrelMemoryFromStaging ? _staging.GetMemory(sizeHint) : _inner.GetMemory(sizeHint);
            _kestrelMemoryOffset = 0;
            _kestrelMemoryOutstanding = true;
            return _kestrelMemory;
        }
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    private bool DecidePassthrough()
    {
        lock (_lock)
        {
            if (_protocol == OutputProtocol.Unknown && !_isApplicationLayer!())
            {
                Volatile.Write(ref _passthrough, true);
            }

            return _passthrough;
        }
    }

    public override void Advance(int bytes)
    {
        if (_passthrough)
        {
            _inner.Advance(bytes);
            return;
        }

        lock (_lock)
        {
            if (bytes > 0)
            {
                // HTTP/1.1 advances twice into one span: observe at the running offset.
                var written = _kestrelMemory.Span.Slice(_kestrelMemoryOffset, bytes);
                _kestrelMemoryOffset += bytes;
                Observe(written);
                if (_protocol == OutputProtocol.Http1 && _http1Trailers.IsTracking
                    && _http1Trailers.Observe(written, out var trailers) is var at and >= 0 && trailers is not null)
                {
                    AdvanceWithTrailersLocked(written, at, trailers);
                    return;
                }
            }

            AdvanceKestrelLocked(bytes);
        }
    }

    private void AdvanceKestrelLocked(int bytes)
    {
        if (_kestrelMemoryFromStaging)
        {
            _staging.Advance(bytes);
        }
        else
        {
            _inner.Advance(bytes);
        }
    }

    // The last chunk "0\r\n" ends at offset 'at' of what Kestrel just committed: commit up to there, then the trailer
    // fields, then Kestrel's remaining bytes (the final CRLF). The remainder is copied first because the fields are
    // written into the very memory it occupies. Kestrel flushes right after its last chunk (pinned), so it never
    // writes into that span again.
    private void AdvanceWithTrailersLocked(ReadOnlySpan<byte> written, int at, Http1ResponseTrailers trailers)
    {
        var fields = trailers.TakeEncoded();
        if (fields.Length == 0)
        {
            AdvanceKestrelLocked(written.Length);
            return;
        }

        var rest = written[at..].ToArray();
        AdvanceKestrelLocked(at);
        WriteOwnLocked(fields);
        WriteOwnLocked(rest);
    }

    private void WriteOwnLocked(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (_kestrelMemoryFromStaging)
        {
            data.CopyTo(_staging.GetMemory(data.Length).Span);
            _staging.Advance(data.Length);
        }
        else
        {
            _inner.Write(data);
        }
    }

    private void Observe(ReadOnlySpan<byte> written)
    {
        if (_protocol == OutputProtocol.Unknown)
        {
            // Kestrel's first HTTP/1.x byte is the 'H' of the status line; HTTP/2 starts with a SETTINGS frame.
            _protocol = written[0] == (byte)'H' ? OutputProtocol.Http1 : OutputProtocol.Http2;
        }

        if (_protocol == OutputProtocol.Http2)
        {
            _tracker.Observe(written);
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_passthrough)
        {
            return _inner.FlushAsync(cancellationToken);
        }

        Task<FlushResult>? own;
        List<PendingHint>? batch = null;
        lock (_lock)
        {
            _kestrelMemoryOutstanding = false;
            _kestrelFlushInFlight = true;
            own = _ownFlush?.Task;
            if (own is null)
            {
                batch = PrepareKestrelFlushLocked();
            }
        }

        if (own is null && batch is null)
        {
            var flush = _inner.FlushAsync(cancellationToken);
            if (flush.IsCompletedSuccessfully)
            {
                // Read the result once and hand Kestrel a fresh ValueTask: the inner one may be backed by a
                // pooled IValueTaskSource (StreamPipeWriter under TLS) that must not be consumed twice.
                var result = flush.Result;
                AfterKestrelFlush(null, result, null);
                return new ValueTask<FlushResult>(result);
            }

            return AwaitKestrelFlushAsync(flush);
        }

        return KestrelFlushSlowAsync(own, batch, cancellationToken);
    }

    private async ValueTask<FlushResult> AwaitKestrelFlushAsync(ValueTask<FlushResult> flush)
    {
        FlushResult result;
        try
        {
            result = await flush;
        }
        catch (Exception ex)
        {
            AfterKestrelFlush(null, default, ex);
            throw;
        }

        AfterKestrelFlush(null, result, null);
        return result;
    }

    private async ValueTask<FlushResult> KestrelFlushSlowAsync(Task<FlushResult>? own, List<PendingHint>? batch, CancellationToken cancellationToken)
    {
        if (own is not null)
        {
            var ownResult = await own;
            lock (_lock)
            {
                batch = PrepareKestrelFlushLocked();
            }

            if (ownResult.IsCanceled || ownResult.IsCompleted)
            {
                // CancelPendingFlush (Kestrel's abort path) or a closed transport hit our flush first: report it to Kestrel.
                AfterKestrelFlush(batch, ownResult, null);
                return ownResult;
            }
        }

        FlushResult result;
        try
        {
            result = await _inner.FlushAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            AfterKestrelFlush(batch, default, ex);
            throw;
        }

        AfterKestrelFlush(batch, result, null);
        return result;
    }

    // Kestrel called FlushAsync: its memory is retired and it never flushes mid-frame, so staged bytes
    // go first and queued hints may follow if the output is outside a header block.
    private List<PendingHint>? PrepareKestrelFlushLocked()
    {
        if (_staging.HasData)
        {
            _staging.CopyTo(_inner);
        }

        return _queue.Count > 0 && IsAtSafeBoundaryLocked() ? WriteQueuedLocked() : null;
    }

    private void AfterKestrelFlush(List<PendingHint>? batch, FlushResult result, Exception? error)
    {
        List<PendingHint>? next = null;
        lock (_lock)
        {
            _kestrelFlushInFlight = false;
            if (_queue.Count > 0 && IsIdleLocked())
            {
                next = WriteQueuedLocked();
            }
        }

        if (batch is not null)
        {
            CompleteBatch(batch, result, error);
        }

        if (next is not null)
        {
            _ = FlushOwnAsync(next);
        }
    }

    private async Task FlushOwnAsync(List<PendingHint> batch)
    {
        while (batch is not null)
        {
            FlushResult result = default;
            Exception? error = null;
            try
            {
                result = await _inner.FlushAsync();
            }
            catch (Exception ex)
            {
                error = ex;
            }

            TaskCompletionSource<FlushResult>? own;
            List<PendingHint>? next = null;
            lock (_lock)
            {
                own = _ownFlush;
                _ownFlush = null;
                if (_queue.Count > 0 && error is null && !result.IsCompleted && IsIdleLocked())
                {
                    next = WriteQueuedLocked();
                }
            }

            own?.TrySetResult(error is null ? result : new FlushResult(isCanceled: false, isCompleted: true));
            CompleteBatch(batch, result, error);
            batch = next!;
        }
    }

    private static void CompleteBatch(List<PendingHint> batch, FlushResult result, Exception? error)
    {
        var outcome = error is not null || result.IsCanceled
            ? new EarlyHintsResult(EarlyHintsStatus.ConnectionClosed)
            : new EarlyHintsResult(EarlyHintsStatus.Sent);
        foreach (var hint in batch)
        {
            hint.Completion.TrySetResult(outcome);
        }
    }

    private bool IsAtSafeBoundaryLocked()
        => _protocol != OutputProtocol.Http2 || (_tracker.AtFrameBoundary && !_tracker.InHeaderBlock);

    private bool IsIdleLocked()
        => !_completed
        && !_kestrelMemoryOutstanding
        && !_kestrelFlushInFlight
        && _ownFlush is null
        && !_staging.HasData
        && IsAtSafeBoundaryLocked();

    /// <summary>
    /// Writes every queued hint that may still go out into the inner writer; returns them (null if none).
    /// When called from the idle path it also marks our own flush as in flight.
    /// </summary>
    private List<PendingHint>? WriteQueuedLocked()
    {
        List<PendingHint>? written = null;
        foreach (var hint in _queue)
        {
            if (hint.Completion.Task.IsCompleted)
            {
                continue;
            }

            bool started;
            try
            {
                started = hint.Request.HasResponseStarted();
            }
#pragma warning disable CA1031 // A recycled request context must not turn into an exception inside Kestrel's flush.
            catch (Exception)
#pragma warning restore CA1031
            {
                started = true;
            }

            if (started)
            {
                hint.Completion.TrySetResult(new EarlyHintsResult(EarlyHintsStatus.ResponseStarted));
                continue;
            }

            if (hint.Request.RequestAborted.IsCancellationRequested)
            {
                // A HEADERS frame on a stream the client reset would only cost the client HPACK work.
                hint.Completion.TrySetResult(new EarlyHintsResult(EarlyHintsStatus.RequestAborted));
                continue;
            }

            try
            {
                if (hint.Request.IsHttp2)
                {
                    // Repeat the update Kestrel owes: its own next block still carries it, which is legal.
                    var sizeUpdate = PendingTableSizeUpdateLocked(hint.Request.ServerHeaderTableSize);
                    _inner.Write(Http2EarlyHintsEncoder.Encode(hint.Request.Fields, hint.Request.StreamId, _peerMaxFrameSize, sizeUpdate));
                }
                else
                {
                    var length = Http1EarlyHintsEncoder.GetLength(hint.Request.Fields);
                    var span = _inner.GetSpan(length);
                    _inner.Advance(Http1EarlyHintsEncoder.Encode(hint.Request.Fields, span));
                }
            }
            catch (InvalidOperationException)
            {
                // The transport's writer was completed underneath us: the connection is gone. Never throw into Kestrel.
                _completed = true;
                hint.Completion.TrySetResult(new EarlyHintsResult(EarlyHintsStatus.ConnectionClosed));
                continue;
            }

            (written ??= []).Add(hint);
        }

        _queue.Clear();
        if (written is not null && !_kestrelFlushInFlight)
        {
            _ownFlush = new TaskCompletionSource<FlushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return written;
    }

    void IHttp2OutputFrameListener.OnHeaders(int streamId, bool isInformational, int? sizeUpdate, bool endStream)
    {
        if (sizeUpdate is { } size)
        {
            _kestrelAnnouncedTableSize = (uint)size;
        }

        if (!isInformational || endStream)
        {
            FailQueuedForStream(streamId, EarlyHintsStatus.ResponseStarted);
        }

        if (endStream)
        {
            _streamEnded?.Invoke(streamId);
        }
    }

    void IHttp2OutputFrameListener.OnStreamEnded(int streamId, bool reset)
    {
        FailQueuedForStream(streamId, reset ? EarlyHintsStatus.RequestAborted : EarlyHintsStatus.ResponseStarted);
        if (reset)
        {
            _outputProgress?.Reset(streamId);
        }

        _streamEnded?.Invoke(streamId);
    }

    void IHttp2OutputFrameListener.OnData(int streamId, int length, bool endStream) => _outputProgress?.Data(streamId, length, endStream);

    void IHttp2OutputFrameListener.OnSettingsAck()
    {
        // Kestrel applied the client's SETTINGS before acknowledging them.
        if (_clientSettings is not null)
        {
            _clientHeaderTableSizeAtAck = _clientSettings.HeaderTableSize;
            _peerMaxFrameSize = (int)Math.Clamp(_clientSettings.MaxFrameSize, MinMaxFrameSize, 16777215u);
        }
    }

    private void FailQueuedForStream(int streamId, EarlyHintsStatus reason)
    {
        // Called under _lock from Advance; the queue is short-lived and small.
        for (var i = _queue.Count - 1; i >= 0; i--)
        {
            if (_queue[i].Request.StreamId == streamId)
            {
                _queue[i].Completion.TrySetResult(new EarlyHintsResult(reason));
                _queue.RemoveAt(i);
            }
        }
    }

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        FailAllAndMarkCompleted();
        _inner.Complete(exception);
    }

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
        FailAllAndMarkCompleted();
        return _inner.CompleteAsync(exception);
    }

    private void FailAllAndMarkCompleted()
    {
        PendingHint[] failed;
        lock (_lock)
        {
            _completed = true;
            _http1Trailers.Stop(Http1TrailerFraming.Abandoned);
            if (_staging.HasData && _ownFlush is null)
            {
                _staging.CopyTo(_inner);
            }

            failed = [.. _queue];
            _queue.Clear();
        }

        foreach (var hint in failed)
        {
            hint.Completion.TrySetResult(new EarlyHintsResult(EarlyHintsStatus.ConnectionClosed));
        }
    }

    private sealed class PendingHint(EarlyHintsRequest request)
    {
        public EarlyHintsRequest Request { get; } = request;

        public TaskCompletionSource<EarlyHintsResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
