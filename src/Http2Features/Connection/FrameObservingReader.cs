using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>
/// The input side of the seam: Kestrel reads through it, and every byte is shown to the
/// <see cref="Http2FrameObserver"/> once, the first time a read returns it. Offsets are absolute across
/// <see cref="ReadAsync"/>/<see cref="AdvanceTo(SequencePosition, SequencePosition)"/>, so bytes a reader
/// leaves unconsumed and sees again are not parsed twice. The reader never changes what Kestrel gets and
/// never throws anything the inner reader did not throw.
/// </summary>
internal sealed class FrameObservingReader : PipeReader, IValueTaskSource<ReadResult>
{
    private readonly PipeReader _inner;
    private readonly Http2FrameObserver _observer;
    private readonly SeamTransportLayer _layer;
    private readonly ILogger _logger;

    private ManualResetValueTaskSourceCore<ReadResult> _readSource; // RunContinuationsAsynchronously false: Kestrel's continuation runs where the inner read completed, as with an await
    private ConfiguredValueTaskAwaitable<ReadResult>.ConfiguredValueTaskAwaiter _pendingRead;
    private Action? _onPendingReadCompleted;
    private long _consumed;
    private System.Buffers.ReadOnlySequence<byte> _lastBuffer;

    public FrameObservingReader(PipeReader inner, Http2FrameObserver observer, SeamTransportLayer layer, ILogger logger)
    {
        _inner = inner;
        _observer = observer;
        _layer = layer;
        _logger = logger;
    }

    internal Http2FrameObserver Observer => _observer;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_observer.IsDormant)
        {
            // Below TLS or HTTP/1.1: nothing left to observe, so add nothing to the read path but one flag test.
            _layer.OnOpaqueRead();
            return _inner.ReadAsync(cancellationToken);
        }

        var pending = _inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            OnRead(result);
            return new ValueTask<ReadResult>(result);
        }

        return ReadSlow(pending);
    }

    // A read that did not complete at once (the usual case at a connection's idle moments) completes through this
    // reader's one reusable IValueTaskSource: a PipeReader has at most one read outstanding, so nothing is allocated
    // per read. (A pooled async method still allocated about one box per 15 requests under h2load: its pool keeps one
    // box per thread and per core, fewer than the reads outstanding on several connections at once.)
    private ValueTask<ReadResult> ReadSlow(ValueTask<ReadResult> pending)
    {
        _readSource.Reset();
        _pendingRead = pending.ConfigureAwait(false).GetAwaiter();
        _pendingRead.UnsafeOnCompleted(_onPendingReadCompleted ??= OnPendingReadCompleted);
        return new ValueTask<ReadResult>(this, _readSource.Version);
    }

    private void OnPendingReadCompleted()
    {
        var pending = _pendingRead;
        _pendingRead = default;
        ReadResult result;
        try
        {
            result = pending.GetResult();
        }
#pragma warning disable CA1031 // Handed to Kestrel exactly as the inner reader threw it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _readSource.SetException(ex);
            return;
        }

        OnRead(result);
        _readSource.SetResult(result);
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _readSource.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _readSource.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _readSource.OnCompleted(continuation, state, token, flags);

    public override bool TryRead(out ReadResult result)
    {
        if (!_inner.TryRead(out result))
        {
            return false;
        }

        OnRead(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_observer.IsDormant)
        {
            try
            {
                _consumed += _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
            }
#pragma warning disable CA1031 // A position the inner reader rejects is the inner reader's to report, below.
            catch (Exception)
#pragma warning restore CA1031
            {
                StopObserving(null);
            }

            _lastBuffer = default;
        }

        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    private void OnRead(in ReadResult result)
    {
        if (_observer.IsDormant)
        {
            return;
        }

        if (_layer.IsSuperseded)
        {
            _observer.Stop();
            return;
        }

        var buffer = result.Buffer;
        _lastBuffer = buffer;
        var fresh = _consumed + buffer.Length - _observer.BytesObserved;
        if (fresh <= 0)
        {
            return;
        }

        try
        {
            _observer.Observe(buffer.Slice(buffer.Length - fresh));
        }
#pragma warning disable CA1031 // The seam must never throw into Kestrel: stop observing instead.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            StopObserving(ex);
        }
    }

    private void StopObserving(Exception? ex)
    {
        _observer.Stop();
        SeamLog.ObserverStopped(_logger, ex);
    }
}
