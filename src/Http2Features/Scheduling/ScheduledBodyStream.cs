namespace Http2Features.Scheduling;

/// <summary>The response body <see cref="System.IO.Stream"/> under the scheduler: each write waits for the stream's turn.</summary>
internal sealed class ScheduledBodyStream(ScheduledStream stream, Stream inner) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Synchronous IO (AllowSynchronousIO): the turn is waited for synchronously too.
        var turn = stream.TakeTurnAsync(buffer.Length);
        if (!turn.IsCompletedSuccessfully)
        {
            turn.AsTask().GetAwaiter().GetResult();
        }

        try
        {
            inner.Write(buffer);
        }
        finally
        {
            stream.WriteReturned();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var turn = stream.TakeTurnAsync(buffer.Length);
        return turn.IsCompletedSuccessfully ? stream.Returned(inner.WriteAsync(buffer, cancellationToken)) : WriteAfterTurnAsync(turn, buffer, cancellationToken);
    }

    private async ValueTask WriteAfterTurnAsync(ValueTask turn, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await turn.ConfigureAwait(false);
        await stream.Returned(inner.WriteAsync(buffer, cancellationToken)).ConfigureAwait(false);
    }
}
