using System.IO.Pipelines;

namespace Http2Features.Scheduling;

/// <summary>
/// The response <see cref="PipeWriter"/> under the scheduler: bytes the app advances stay in Kestrel's
/// unflushed buffer (invisible to its output loop) until the flush, which waits for the stream's turn.
/// </summary>
internal sealed class ScheduledBodyWriter(ScheduledStream stream, PipeWriter inner) : PipeWriter
{
    private long _pending;

    /// <summary>Bytes advanced since the last flush.</summary>
    internal long PendingBytes => _pending;

    internal long TakePendingBytes()
    {
        var pending = _pending;
        _pending = 0;
        return pending;
    }

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void Advance(int bytes)
    {
        inner.Advance(bytes);
        _pending += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (exception is null && _pending > 0)
        {
            await stream.TakeTurnAsync(TakePendingBytes()).ConfigureAwait(false);
        }

        await inner.CompleteAsync(exception).ConfigureAwait(false);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var turn = stream.TakeTurnAsync(TakePendingBytes());
        return turn.IsCompletedSuccessfully ? stream.Returned(inner.FlushAsync(cancellationToken)) : FlushAfterTurnAsync(turn, cancellationToken);
    }

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var turn = stream.TakeTurnAsync(_pending + source.Length);
        _pending = 0;
        return turn.IsCompletedSuccessfully ? stream.Returned(inner.WriteAsync(source, cancellationToken)) : WriteAfterTurnAsync(turn, source, cancellationToken);
    }

    private async ValueTask<FlushResult> FlushAfterTurnAsync(ValueTask turn, CancellationToken cancellationToken)
    {
        await turn.ConfigureAwait(false);
        return await stream.Returned(inner.FlushAsync(cancellationToken)).ConfigureAwait(false);
    }

    private async ValueTask<FlushResult> WriteAfterTurnAsync(ValueTask turn, ReadOnlyMemory<byte> source, CancellationToken cancellationToken)
    {
        await turn.ConfigureAwait(false);
        return await stream.Returned(inner.WriteAsync(source, cancellationToken)).ConfigureAwait(false);
    }
}
