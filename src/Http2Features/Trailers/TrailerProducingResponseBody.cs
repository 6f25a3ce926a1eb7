using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Http2Features.Trailers;

/// <summary>
/// Wraps the response body so that (a) bytes are hashed as they pass, without buffering, and (b) an explicit
/// <c>HttpResponse.CompleteAsync</c> still gets the producers' trailers, which must be added before the server completes.
/// The feature is also the hashing <see cref="Stream"/> (one object per request instead of two).
/// </summary>
internal sealed class TrailerProducingResponseBody : Stream, IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly TrailerProducerState _state;
    private HashingPipeWriter? _writer;

    public TrailerProducingResponseBody(IHttpResponseBodyFeature inner, TrailerProducerState state)
    {
        _inner = inner;
        _state = state;
    }

    public IHttpResponseBodyFeature Inner => _inner;

    public Stream Stream => _state.Hasher is null ? _inner.Stream : this;

    // Always wrapped: completing the BodyWriter also completes the response, so it must add the trailers first.
    public PipeWriter Writer => _writer ??= new HashingPipeWriter(_inner.Writer, _state.Hasher, this);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public Task CompleteAsync()
    {
        BeforeComplete();
        return _inner.CompleteAsync();
    }

    internal void BeforeComplete()
    {
        _state.Feature.RunSendingCallbacks();
        _state.Feature.MarkCompleted();
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        _state.Hasher is null
            ? _inner.SendFileAsync(path, offset, count, cancellationToken)
            : SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken); // the bytes must pass the hasher

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    // The Stream side: only handed out while hashing (see Stream), so _state.Hasher is set here.
    public override void Flush() => _inner.Stream.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.Stream.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _state.Hasher?.Append(buffer);
        _inner.Stream.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _state.Hasher?.Append(buffer.Span);
        return _inner.Stream.WriteAsync(buffer, cancellationToken);
    }
}

/// <summary>
/// Hashes what the application commits with <see cref="Advance"/>, writing straight into the server's pipe (no copy),
/// and adds the producers' trailers when the application completes the writer.
/// </summary>
internal sealed class HashingPipeWriter : PipeWriter
{
    private readonly PipeWriter _inner;
    private readonly BodyHasher? _hasher;
    private readonly TrailerProducingResponseBody _owner;
    private Memory<byte> _lastBuffer;

    public HashingPipeWriter(PipeWriter inner, BodyHasher? hasher, TrailerProducingResponseBody owner)
    {
        _inner = inner;
        _hasher = hasher;
        _owner = owner;
    }

    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => _inner.UnflushedBytes;

    public override void Advance(int bytes)
    {
        if (bytes > 0 && _hasher is not null)
        {
            _hasher.Append(_lastBuffer.Span[..bytes]);
        }

        _lastBuffer = default;
        _inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lastBuffer = _inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => (_lastBuffer = _inner.GetMemory(sizeHint)).Span;

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (exception is null)
        {
            _owner.BeforeComplete();
        }

        _inner.Complete(exception);
    }

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
        if (exception is null)
        {
            _owner.BeforeComplete();
        }

        return _inner.CompleteAsync(exception);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => _inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        _hasher?.Append(source.Span);
        return _inner.WriteAsync(source, cancellationToken);
    }
}
