using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Http2Features.Scheduling;

/// <summary>
/// One HTTP/2 request under the scheduler: its place in the connection's <see cref="ConnectionScheduler"/> and
/// the <see cref="IHttpResponseBodyFeature"/> the app writes through, which asks for a turn before each write
/// reaches Kestrel. Fields marked "scheduler" are only touched under the scheduler's lock.
/// </summary>
internal sealed class ScheduledStream : IHttpResponseBodyFeature
{
    private readonly ConnectionScheduler _scheduler;
    private readonly IHttpResponseBodyFeature _inner;
    private readonly IHttp2StreamPriorityFeature _priority;
    private readonly bool _hasPriorityHeader;
    private ScheduledBodyWriter? _writer;
    private ScheduledBodyStream? _stream;

    public ScheduledStream(ConnectionScheduler scheduler, IHttpResponseBodyFeature inner, IHttp2StreamPriorityFeature priority, bool hasPriorityHeader, int streamId)
    {
        _scheduler = scheduler;
        _inner = inner;
        _priority = priority;
        _hasPriorityHeader = hasPriorityHeader;
        StreamId = streamId;
        Priority = EffectivePriority.From(priority, hasPriorityHeader);
    }

    public int StreamId { get; }

    /// <summary>Scheduler: the rank the stream has now.</summary>
    internal EffectivePriority Priority { get; set; }

    /// <summary>Scheduler: bytes handed to Kestrel that the seam has not yet seen reach the transport.</summary>
    internal long Outstanding { get; set; }

    /// <summary>Scheduler: when the stream's data last moved (or a new burst of writes began).</summary>
    internal long LastProgress { get; set; }

    /// <summary>Scheduler: the stream wrote at least once.</summary>
    internal bool HasWritten { get; set; }

    // Set under the scheduler's lock when a write is admitted, cleared without it when that write returns to
    // the app (LastReturn first, so a reader that sees the write returned also sees when).
    private volatile bool _inWrite;
    private long _lastReturn;

    /// <summary>A write was admitted and has not yet returned to the app.</summary>
    internal bool InWrite
    {
        get => _inWrite;
        set => _inWrite = value;
    }

    /// <summary>When the last write returned to the app (its next write starts from there).</summary>
    internal long LastReturn => Volatile.Read(ref _lastReturn);

    /// <summary>The app has its write back: from now on its own code decides when it writes again.</summary>
    internal void WriteReturned()
    {
        Volatile.Write(ref _lastReturn, System.Diagnostics.Stopwatch.GetTimestamp());
        _inWrite = false;
    }

    /// <summary>Scheduler: the write waiting for its turn, if any.</summary>
    internal TaskCompletionSource? Waiter { get; set; }

    /// <summary>Scheduler: when <see cref="Waiter"/> started waiting.</summary>
    internal long WaitStart { get; set; }

    /// <summary>Scheduler: the size of the waiting write.</summary>
    internal long PendingBytes { get; set; }

    /// <summary>Scheduler: the request's pipeline ended; the stream leaves once its data reached the transport.</summary>
    internal bool Ended { get; set; }

    /// <summary>Scheduler: the stream ended, was reset or aborted; it never waits nor holds anyone back again.</summary>
    internal bool Closed { get; set; }

    public Stream Stream => _stream ??= new ScheduledBodyStream(this, _inner.Stream);

    public PipeWriter Writer => _writer ??= new ScheduledBodyWriter(this, _inner.Writer);

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    /// <summary>Calls <see cref="WriteReturned"/> once <paramref name="write"/> completes (at once when it already has).</summary>
    internal ValueTask Returned(ValueTask write)
    {
        if (write.IsCompletedSuccessfully)
        {
            WriteReturned();
            return write;
        }

        return AwaitReturnedAsync(write);
    }

    internal ValueTask<T> Returned<T>(ValueTask<T> write)
    {
        if (write.IsCompletedSuccessfully)
        {
            WriteReturned();
            return write;
        }

        return AwaitReturnedAsync(write);
    }

    private async ValueTask AwaitReturnedAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            WriteReturned();
        }
    }

    private async ValueTask<T> AwaitReturnedAsync<T>(ValueTask<T> write)
    {
        try
        {
            return await write.ConfigureAwait(false);
        }
        finally
        {
            WriteReturned();
        }
    }

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        // Kestrel's HTTP/2 SendFileAsync copies through its body stream in one go: copy through ours so each
        // chunk takes its turn.
        await SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken).ConfigureAwait(false);
    }

    public async Task CompleteAsync()
    {
        if (_writer is { } writer && writer.PendingBytes > 0)
        {
            await TakeTurnAsync(writer.TakePendingBytes()).ConfigureAwait(false);
        }

        await _inner.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Waits for the stream's turn to hand <paramref name="bytes"/> to Kestrel.</summary>
    internal ValueTask TakeTurnAsync(long bytes) =>
        bytes <= 0 ? ValueTask.CompletedTask : _scheduler.WaitTurnAsync(this, bytes, EffectivePriority.From(_priority, _hasPriorityHeader));

    /// <summary>A PRIORITY_UPDATE or PRIORITY frame changed the stream's values.</summary>
    internal void OnPriorityChanged(object? sender, EventArgs e) =>
        _scheduler.Reprioritize(this, EffectivePriority.From(_priority, _hasPriorityHeader));

    /// <summary>The client reset the stream or the connection went away.</summary>
    internal void OnAborted() => _scheduler.Remove(this);
}
