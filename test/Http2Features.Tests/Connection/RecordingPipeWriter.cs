using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Http2Features.Tests.Connection;

/// <summary>
/// A connection's output writer that records every byte committed to it, in order, and forwards every call unchanged;
/// subclasses see each GetMemory/Advance/Flush for pinning tests of how Kestrel writes. Put it on a connection with
/// <see cref="Install{T}"/> from a connection middleware.
/// </summary>
internal class RecordingPipeWriter(PipeWriter inner) : PipeWriter
{
    private readonly List<byte> _bytes = [];
    private Memory<byte> _memory;
    private int _offset;

    /// <summary>Everything committed so far.</summary>
    public byte[] Bytes
    {
        get
        {
            lock (_bytes)
            {
                return [.. _bytes];
            }
        }
    }

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    /// <summary>Replaces the connection's output with the writer <paramref name="create"/> makes around it.</summary>
    public static T Install<T>(ConnectionContext context, Func<PipeWriter, T> create)
        where T : RecordingPipeWriter
    {
        var writer = create(context.Transport.Output);
        context.Transport = new TestDuplexPipe(context.Transport.Input, writer);
        return writer;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        _memory = inner.GetMemory(sizeHint);
        _offset = 0;
        OnGetMemory();
        return _memory;
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        var written = _memory.Span.Slice(_offset, bytes);
        _offset += bytes;
        OnAdvance(written);
        lock (_bytes)
        {
            _bytes.AddRange(written);
        }

        inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        OnFlush();
        return inner.FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    /// <summary>After Kestrel took new memory (the previous memory is no longer written).</summary>
    protected virtual void OnGetMemory()
    {
    }

    /// <summary>Kestrel committed <paramref name="written"/> (possibly empty) into the current memory.</summary>
    protected virtual void OnAdvance(ReadOnlySpan<byte> written)
    {
    }

    /// <summary>Before the flush is forwarded.</summary>
    protected virtual void OnFlush()
    {
    }
}
