using System.Buffers;
using System.IO.Pipelines;

namespace Http2Features.Connection;

/// <summary>
/// Wraps the connection's output <see cref="PipeWriter"/> and puts 103 Early Hints between Kestrel's writes.
/// A hint goes in only at a safe point: Kestrel holds no memory obtained since its last flush, no flush is
/// in flight, the output is at an HTTP/2 frame boundary and outside a header block. Otherwise it waits in a
/// queue and is written at Kestrel's next flush (after Kestrel's bytes) or when the output becomes idle.
/// Kestrel never calls the writer concurrently; <see cref="WriteAsync"/> runs on request threads, so all
/// bookkeeping is under one lock that is never held across an await.
/// </summary>
/// <remarks>
/// HTTP/2 flushes: while other streams of the connection are open, Kestrel will flush soon, so a 103 written at a safe
/// point is not flushed on its own. Its bytes sit in the transport ahead of whatever Kestrel writes next, so Kestrel's
/// next flush on the connection (another stream's output, or the hint's own response) carries them; one flush is
/// scheduled on the thread pool for the case that Kestrel has none coming, and it does nothing if Kestrel flushed
/// first. Several hints before that flush share it. When the hint's stream is the only one open (a browser's
/// navigation, a connection at idle), nothing else is coming and the 103 is flushed at once, as fast as a response.
/// Either way the hint's call completes when its bytes are in the transport (in order before its stream's response),
/// not when they were flushed. HTTP/1.1 (one response at a time) flushes its 103 at once.
/// </remarks>
/// <remarks>
/// HPACK: an injected block never carries a dynamic table size update and never touches the table, because only
/// Kestrel's encoder knows when it applies a size (Kestrel writes the SETTINGS ACK first and updates its encoder
/// afterwards, under another lock). After Kestrel acknowledges a client SETTINGS that lowers the table size, the
/// client requires the next header block to start with an update, so until Kestrel's next header block no 103
/// can be decoded there: hints then report <see cref="InformationalResponseStatus.HeaderTableSizeChangePending"/>
/// instead of being written (and instead of waiting for a block that may never come, such as their own
/// stream's response).
/// </remarks>
internal sealed class EarlyHintsOutputWriter : PipeWriter, IInformationalResponseWriter, IHttp2OutputFrameListener, IHttp1ResponseTrailerPort, IThreadPoolWorkItem
{
    /// <summary>The RFC 7541 default table size, where every HPACK decoder starts.</summary>
    internal const uint DefaultHeaderTableSize = 4096;

    /// <summary>Every peer accepts frames of 16384 bytes (RFC 9113 section 4.2); a larger 103 continues in CONTINUATION frames.</summary>
    internal const int MinMaxFrameSize = 16384;

    /// <summary>Client resets remembered for hints not yet requested (Kestrel aborts the request soon after; this covers the gap).</summary>
    private const int RecentResetCapacity = 32;

    private readonly PipeWriter _inner;
    private readonly ClientSettingsObservation? _clientSettings;
    private readonly Func<bool>? _isApplicationLayer;
    private readonly IHttp2StreamOutputObserver? _streamOutput;
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

    // HTTP/2 hints are in the inner writer and no flush started since (Kestrel's flush clears it); the flush that
    // sends them if Kestrel does not is queued (see the class remarks).
    private bool _ownBytesUnflushed;
    private bool _flushScheduled;
    private readonly Action<IThreadPoolWorkItem>? _scheduleFlush;

    // Client streams opened (seen on input) minus streams ended (seen on output, or reset by the client). Only a hint: a
    // miscount costs a flush or a thread-pool hop, never bytes or order. Written from the input loop, hence Interlocked.
    private int _openStreams;

    // Kestrel called Complete while our own flush was pending: the inner writer is completed when that flush ends
    // (Kestrel's ConcurrentPipeWriter defers its Complete the same way). Null: not requested.
    private Exception? _deferredCompleteError;
    private bool _completeDeferred;

    private bool _passthrough;
    private readonly byte[] _firstBytes = new byte[Http2Frame.FrameHeaderLength];
    private int _firstBytesFill;

    // What the client's HPACK decoder requires, from the output's point of view. A decoder's table is never larger
    // than the largest size it allowed (4096 at first), so a client SETTINGS whose size is below that bound may
    // require an update at the start of the next block (python h2 and nghttp2 do, from the moment they read the
    // ACK). Such an ACK makes the output owe an update until Kestrel's next header block: if that block decodes,
    // the client no longer requires one; if it does not, Kestrel failed on its own.
    private uint _decoderTableSizeBound = DefaultHeaderTableSize;
    private bool _sizeUpdateOwed;
    private readonly int[] _recentResets = new int[RecentResetCapacity];
    private int _recentResetNext;

    /// <param name="inner">The writer below.</param>
    /// <param name="clientSettings">The client's SETTINGS frames as observed on input, one per ACK (null: the client changes nothing).</param>
    /// <param name="isApplicationLayer">
    /// Read at the first write: false means this pipe does not carry HTTP (it sits below TLS or below another
    /// middleware's transport), and the writer stays a pass-through forever. Null means always the
    /// application layer.
    /// </param>
    /// <param name="streamOutput">Told, under the writer's lock, of every DATA frame Kestrel wrote and every stream it ended (null: nobody listens).</param>
    /// <param name="scheduleFlush">Queues the flush for HTTP/2 hints that Kestrel's output does not carry (null: the thread pool; tests run it themselves).</param>
    public EarlyHintsOutputWriter(PipeWriter inner, ClientSettingsObservation? clientSettings, Func<bool>? isApplicationLayer = null, IHttp2StreamOutputObserver? streamOutput = null, Action<IThreadPoolWorkItem>? scheduleFlush = null)
    {
        _scheduleFlush = scheduleFlush;
        _streamOutput = streamOutput;
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _clientSettings = clientSettings;
        _isApplicationLayer = isApplicationLayer;
        _tracker = new Http2OutputFrameTracker(this);
    }

    /// <summary>
    /// True once the writer only forwards: its pipe does not carry HTTP, or the first bytes written were
    /// neither Kestrel's HTTP/2 SETTINGS frame nor an HTTP/1.x status line.
    /// </summary>
    internal bool IsPassthrough => Volatile.Read(ref _passthrough);

    /// <summary>The output protocol, decided from Kestrel's first bytes (for tests).</summary>
    internal string Protocol
    {
        get
        {
            lock (_lock)
            {
                return _passthrough ? "Passthrough" : _protocol.ToString();
            }
        }
    }

    private enum OutputProtocol
    {
        Unknown,
        Http1,
        Http2,
    }

    /// <summary>True while the client may require a table size update at the start of the next header block (for tests).</summary>
    internal bool SizeUpdateOwed
    {
        get
        {
            lock (_lock)
            {
                return _sizeUpdateOwed;
            }
        }
    }

    /// <summary>The seam read a client HEADERS that opens a stream (input side).</summary>
    internal void OnClientStreamOpened() => Interlocked.Increment(ref _openStreams);

    private void OnStreamClosedLocked()
    {
        if (Interlocked.Decrement(ref _openStreams) < 0)
        {
            Interlocked.Increment(ref _openStreams);
        }
    }

    /// <summary>Open client streams as far as the writer knows (for tests).</summary>
    internal int OpenStreams => Volatile.Read(ref _openStreams);

    /// <summary>The flush for HTTP/2 hints not yet carried by a flush is queued and has not run (for tests).</summary>
    internal bool FlushScheduled
    {
        get
        {
            lock (_lock)
            {
                return _flushScheduled;
            }
        }
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

    public ValueTask<InformationalResponseResult> WriteAsync(InformationalResponse request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        PendingHint? hint = null;
        List<PendingHint>? batch = null;
        var status = InformationalResponseStatus.Written;
        var flushNow = false;
        lock (_lock)
        {
            if (_passthrough)
            {
                return ValueTask.FromResult(Result(InformationalResponseStatus.NoSeam));
            }

            if (_completed)
            {
                return ValueTask.FromResult(Result(InformationalResponseStatus.ConnectionClosed));
            }

            if (request.IsHttp2 && WasResetByClientLocked(request.StreamId))
            {
                return ValueTask.FromResult(Result(InformationalResponseStatus.StreamReset));
            }

            if (_protocol == OutputProtocol.Unknown && !request.IsHttp2 && _firstBytesFill == 0)
            {
                // HTTP/1.x writes nothing before its first response: on the pipe that carries HTTP, a 103
                // can be the first bytes. HTTP/2 waits for Kestrel's SETTINGS frame, always written first.
                _protocol = OutputProtocol.Http1;
            }

            if (request.IsHttp2 && _queue.Count == 0 && IsIdleLocked())
            {
                // The usual case: nothing of Kestrel's is half-written, so the 103 goes in now, without a wait or a Task.
                status = WriteHttp2Locked(request, flushAtOnce: Volatile.Read(ref _openStreams) <= 1, out flushNow);
            }
            else
            {
                hint = new PendingHint(request);
                _queue.Add(hint);
                if (IsIdleLocked())
                {
                    batch = WriteQueuedLocked();
                }
            }
        }

        if (hint is null)
        {
            if (flushNow)
            {
                // Nothing else is coming on this connection: send the 103 now, from this thread (the call does not
                // wait for the flush to complete).
                _ = FlushOwnAsync(null);
            }

            return ValueTask.FromResult(Result(status));
        }

        if (batch is not null)
        {
            _ = FlushOwnAsync(batch);
        }

        var task = hint.Completion.Task;
        return task.IsCompletedSuccessfully ? ValueTask.FromResult(task.Result) : WaitAsync(hint, cancellationToken);
    }

    private async ValueTask<InformationalResponseResult> WaitAsync(PendingHint hint, CancellationToken cancellationToken)
    {
        using var aborted = hint.Request.RequestAborted.Register(
            static state =>
            {
                var (writer, pending) = ((EarlyHintsOutputWriter, PendingHint))state!;
                writer.Abandon(pending, InformationalResponseStatus.StreamReset);
            },
            (this, hint));
        try
        {
            return await hint.Completion.Task.WaitAsync(hint.Request.Timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // A stalled client or a writer stuck behind backpressure: the call ends anyway.
            Abandon(hint, InformationalResponseStatus.Timeout);
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

    private void Abandon(PendingHint hint, InformationalResponseStatus reason)
    {
        lock (_lock)
        {
            _queue.Remove(hint);
        }

        hint.Completion.TrySetResult(Result(reason));
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
            written = Classify(written);
        }

        if (_protocol == OutputProtocol.Http2)
        {
            _tracker.Observe(written);
        }
    }

    // Only positive evidence: Kestrel's HTTP/2 output starts with its SETTINGS frame, HTTP/1.x output with
    // "HTTP/1.". Anything else (a TLS record, another middleware's bytes) makes this writer a pass-through
    // that never injects. Returns the bytes still to observe as HTTP/2 (the classified prefix included).
    private ReadOnlySpan<byte> Classify(ReadOnlySpan<byte> written)
    {
        var take = Math.Min(written.Length, _firstBytes.Length - _firstBytesFill);
        written[..take].CopyTo(_firstBytes.AsSpan(_firstBytesFill));
        _firstBytesFill += take;
        var first = _firstBytes.AsSpan(0, _firstBytesFill);
        var http1 = "HTTP/1."u8;
        if (first.Length <= http1.Length ? http1.StartsWith(first) : first.StartsWith(http1))
        {
            if (first.Length >= http1.Length)
            {
                _protocol = OutputProtocol.Http1;
            }

            return default;
        }

        if (IsSettingsFramePrefix(first))
        {
            if (first.Length < _firstBytes.Length)
            {
                return default;
            }

            _protocol = OutputProtocol.Http2;
            _tracker.Observe(first);
            return written[take..];
        }

        Volatile.Write(ref _passthrough, true);
        FailQueued(InformationalResponseStatus.NoSeam);
        return default;
    }

    // A SETTINGS frame header (not an ACK) on stream 0 whose length is a multiple of 6, as far as known.
    private static bool IsSettingsFramePrefix(ReadOnlySpan<byte> header)
    {
        if (header.Length >= 4 && header[3] != Http2Frame.TypeSettings)
        {
            return false;
        }

        if (header.Length >= 5 && header[4] != 0)
        {
            return false;
        }

        if (header.Length >= 3 && ((header[0] << 16) | (header[1] << 8) | header[2]) % 6 != 0)
        {
            return false;
        }

        for (var i = 5; i < header.Length; i++)
        {
            if (header[i] != 0)
            {
                return false;
            }
        }

        return true;
    }

    private void FailQueued(InformationalResponseStatus status)
    {
        foreach (var hint in _queue)
        {
            hint.Completion.TrySetResult(Result(status));
        }

        _queue.Clear();
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
            _ownBytesUnflushed = false; // hints written at idle are ahead of Kestrel's bytes: this flush carries them
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

    // Our own flush (_ownFlush set): of HTTP/1.1 hints (batch) or of HTTP/2 hints Kestrel's output did not carry (null).
    private async Task FlushOwnAsync(List<PendingHint>? batch)
    {
        while (true)
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
            var completeNow = false;
            Exception? completeError = null;
            lock (_lock)
            {
                own = _ownFlush;
                _ownFlush = null;
                if (_completeDeferred)
                {
                    _completeDeferred = false;
                    completeNow = true;
                    completeError = _deferredCompleteError;
                    if (_staging.HasData && error is null)
                    {
                        _staging.CopyTo(_inner);
                    }
                }
                else if (_queue.Count > 0 && error is null && !result.IsCompleted && IsIdleLocked())
                {
                    next = WriteQueuedLocked();
                }
            }

            if (completeNow)
            {
                RunDeferredComplete(completeError);
            }

            own?.TrySetResult(error is null ? result : new FlushResult(isCanceled: false, isCompleted: true));
            if (batch is not null)
            {
                CompleteBatch(batch, result, error);
            }

            if (next is null)
            {
                return;
            }

            batch = next;
        }
    }

    // The flush scheduled for HTTP/2 hints written at idle. Kestrel flushed since (the usual case under load: its output
    // carried them), or is writing now (its flush will): nothing to do. Otherwise flush them ourselves, once for all.
    void IThreadPoolWorkItem.Execute()
    {
        lock (_lock)
        {
            _flushScheduled = false;
            if (!_ownBytesUnflushed || _completed || _kestrelMemoryOutstanding || _kestrelFlushInFlight || _ownFlush is not null)
            {
                // (After Complete the inner writer was completed with the bytes in it, or will be after our pending flush.)
                return;
            }

            _ownBytesUnflushed = false;
            _ownFlush = new TaskCompletionSource<FlushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _ = FlushOwnAsync(null);
    }

    private void ScheduleFlushLocked()
    {
        if (_flushScheduled)
        {
            return;
        }

        _flushScheduled = true;
        if (_scheduleFlush is { } schedule)
        {
            schedule(this);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private static void CompleteBatch(List<PendingHint> batch, FlushResult result, Exception? error)
    {
        var outcome = error is not null || result.IsCanceled
            ? Result(InformationalResponseStatus.ConnectionClosed)
            : InformationalResponseResult.Written;
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
    /// Writes every queued hint that may still go out into the inner writer. HTTP/2 hints complete as written (their
    /// bytes leave with the next flush); the HTTP/1.1 ones written are returned (null if none), to complete after the
    /// flush, which is ours (marked in flight here) unless Kestrel's flush is about to carry them.
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

            if (hint.Request.IsHttp2)
            {
                hint.Completion.TrySetResult(Result(WriteHttp2Locked(hint.Request, flushAtOnce: false, out _)));
                continue;
            }

            var status = CheckWritableLocked(hint.Request);
            if (status != InformationalResponseStatus.Written)
            {
                hint.Completion.TrySetResult(Result(status));
                continue;
            }

            try
            {
                var length = Http1EarlyHintsEncoder.GetLength(hint.Request.Fields);
                var span = _inner.GetSpan(length);
                _inner.Advance(Http1EarlyHintsEncoder.Encode(hint.Request.Fields, span));
            }
            catch (InvalidOperationException)
            {
                // The transport's writer was completed underneath us: the connection is gone. Never throw into Kestrel.
                _completed = true;
                hint.Completion.TrySetResult(Result(InformationalResponseStatus.ConnectionClosed));
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

    /// <summary>
    /// Writes one HTTP/2 103 into the inner writer at a safe point (the caller checked), encoded straight into the
    /// writer's memory. Unless Kestrel's flush is about to carry it: with <paramref name="flushAtOnce"/>, marks our own
    /// flush in flight (the caller starts it after the lock); otherwise marks it unflushed and schedules the flush.
    /// </summary>
    private InformationalResponseStatus WriteHttp2Locked(InformationalResponse request, bool flushAtOnce, out bool flushNow)
    {
        flushNow = false;
        var status = CheckWritableLocked(request);
        if (status != InformationalResponseStatus.Written)
        {
            return status;
        }

        try
        {
            var fields = request.Fields;
            var blockLength = Http2EarlyHintsEncoder.GetBlockLength(fields);
            var span = _inner.GetSpan(Http2EarlyHintsEncoder.GetFramedLength(blockLength, MinMaxFrameSize));
            _inner.Advance(Http2EarlyHintsEncoder.EncodeTo(fields, blockLength, request.StreamId, MinMaxFrameSize, span));
        }
        catch (InvalidOperationException)
        {
            // The transport's writer was completed underneath us: the connection is gone. Never throw into Kestrel.
            _completed = true;
            return InformationalResponseStatus.ConnectionClosed;
        }

        if (_kestrelFlushInFlight)
        {
            return InformationalResponseStatus.Written;
        }

        if (flushAtOnce && !_flushScheduled)
        {
            _ownBytesUnflushed = false;
            _ownFlush = new TaskCompletionSource<FlushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            flushNow = true;
        }
        else
        {
            _ownBytesUnflushed = true;
            ScheduleFlushLocked();
        }

        return InformationalResponseStatus.Written;
    }

    // Right before a hint's bytes are written: is it still wanted, and can the client decode it?
    private InformationalResponseStatus CheckWritableLocked(InformationalResponse request)
    {
        bool started;
        try
        {
            started = request.HasResponseStarted();
        }
#pragma warning disable CA1031 // A recycled request context must not turn into an exception inside Kestrel's flush.
        catch (Exception)
#pragma warning restore CA1031
        {
            started = true;
        }

        if (started)
        {
            return InformationalResponseStatus.ResponseStarted;
        }

        if (request.RequestAborted.IsCancellationRequested)
        {
            // A HEADERS frame on a stream the client reset would only cost the client HPACK work.
            return InformationalResponseStatus.StreamReset;
        }

        // Only Kestrel's encoder may announce the size; the hint does not wait for a header block that may be its own
        // stream's response.
        return request.IsHttp2 && _sizeUpdateOwed ? InformationalResponseStatus.HeaderTableSizeChangePending : InformationalResponseStatus.Written;
    }

    void IHttp2OutputFrameListener.OnHeaders(int streamId, bool isInformational, bool endStream)
    {
        // The client decoded this block (with the update it required) or failed on Kestrel's own block.
        _sizeUpdateOwed = false;
        if (endStream)
        {
            OnStreamClosedLocked();
        }

        if (!isInformational || endStream)
        {
            FailQueuedForStream(streamId, InformationalResponseStatus.ResponseStarted);
        }

        if (endStream)
        {
            _streamOutput?.OnStreamEnded(streamId, reset: false);
        }
    }

    void IHttp2OutputFrameListener.OnStreamEnded(int streamId, bool reset)
    {
        OnStreamClosedLocked();
        FailQueuedForStream(streamId, reset ? InformationalResponseStatus.StreamReset : InformationalResponseStatus.ResponseStarted);
        _streamOutput?.OnStreamEnded(streamId, reset);
    }

    void IHttp2OutputFrameListener.OnData(int streamId, int length, bool endStream) => _streamOutput?.OnStreamData(streamId, length, endStream);

    void IHttp2OutputFrameListener.OnSettingsAck()
    {
        if (_clientSettings is null)
        {
            return;
        }

        // ACKs come in the order of the frames they acknowledge: this one is for the oldest unacknowledged frame.
        if (!_clientSettings.TryTakeAcknowledged(out var frame))
        {
            _sizeUpdateOwed = true;
            return;
        }

        if (frame.MinHeaderTableSize is { } min && min < _decoderTableSizeBound)
        {
            _sizeUpdateOwed = true;
        }

        if (frame.MaxHeaderTableSize is { } max && max > _decoderTableSizeBound)
        {
            _decoderTableSizeBound = max;
        }
    }

    /// <summary>
    /// The client reset <paramref name="streamId"/> (RST_STREAM read by the seam, before Kestrel acts on it): a queued
    /// hint for it is dropped, and a hint requested for it later is never written.
    /// </summary>
    internal void OnClientReset(int streamId)
    {
        if (_passthrough)
        {
            return;
        }

        lock (_lock)
        {
            OnStreamClosedLocked();
            _recentResets[_recentResetNext] = streamId;
            _recentResetNext = (_recentResetNext + 1) % RecentResetCapacity;
            FailQueuedForStream(streamId, InformationalResponseStatus.StreamReset);
        }
    }

    private bool WasResetByClientLocked(int streamId) => Array.IndexOf(_recentResets, streamId) >= 0;

    private void FailQueuedForStream(int streamId, InformationalResponseStatus reason)
    {
        // Called under _lock from Advance; the queue is short-lived and small.
        for (var i = _queue.Count - 1; i >= 0; i--)
        {
            if (_queue[i].Request.StreamId == streamId)
            {
                _queue[i].Completion.TrySetResult(Result(reason));
                _queue.RemoveAt(i);
            }
        }
    }

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (!FailAllAndMarkCompleted(exception))
        {
            _inner.Complete(exception);
        }
    }

    public override ValueTask CompleteAsync(Exception? exception = null) =>
        FailAllAndMarkCompleted(exception) ? default : _inner.CompleteAsync(exception);

    /// <summary>
    /// Ends the writer for Kestrel. Returns true when the inner writer must not be completed now because our own
    /// flush is pending on it (a PipeWriter takes no call during its flush): it is completed, after the bytes Kestrel
    /// staged meanwhile, when that flush ends.
    /// </summary>
    private bool FailAllAndMarkCompleted(Exception? exception)
    {
        PendingHint[] failed;
        bool deferred;
        lock (_lock)
        {
            _completed = true;
            _http1Trailers.Stop(Http1TrailerFraming.Abandoned);
            deferred = _ownFlush is not null;
            if (deferred)
            {
                _completeDeferred = true;
                _deferredCompleteError = exception;
            }
            else if (_staging.HasData)
            {
                _staging.CopyTo(_inner);
            }

            failed = [.. _queue];
            _queue.Clear();
        }

        foreach (var hint in failed)
        {
            hint.Completion.TrySetResult(Result(InformationalResponseStatus.ConnectionClosed));
        }

        return deferred;
    }

    // Our flush ended after Kestrel completed the writer: hand over what Kestrel staged, then complete.
    private void RunDeferredComplete(Exception? exception)
    {
        try
        {
            _inner.Complete(exception);
        }
#pragma warning disable CA1031 // Off Kestrel's call path: a failing transport must not become an unobserved task exception.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static InformationalResponseResult Result(InformationalResponseStatus status) => new(status);

    private sealed class PendingHint(InformationalResponse request)
    {
        public InformationalResponse Request { get; } = request;

        public TaskCompletionSource<InformationalResponseResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
