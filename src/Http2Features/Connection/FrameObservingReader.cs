using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>
/// The input side of the seam: Kestrel reads through it, and every byte is shown to the
/// <see cref="Http2FrameObserver"/> once, the first time a read returns it. Offsets are absolute across
/// <see cref="ReadAsync"/>/<see cref="AdvanceTo(SequencePosition, SequencePosition)"/>, so bytes a reader
/// leaves unconsumed and sees again are not parsed twice. The reader never changes what Kestrel gets and
/// never throws anything the inner reader did not throw.
/// </summary>
internal sealed class FrameObservingReader : PipeReader
{
    private readonly PipeReader _inner;
    private readonly Http2FrameObserver _observer;
    private readonly SeamTransportLayer _layer;
    private readonly ILogger _logger;

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
            // Below TLS or HTTP/1.1: nothing left to observe, so add nothing to the read path.
            return _inner.ReadAsync(cancellationToken);
        }

        var pending = _inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            OnRead(result);
            return new ValueTask<ReadResult>(result);
        }

        return ReadSlowAsync(pending);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadSlowAsync(ValueTask<ReadResult> pending)
    {
        var result = await pending;
        OnRead(result);
        return result;
    }

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
