using System.Diagnostics;
using Http2Features.Connection;

namespace Http2Features.Scheduling;

/// <summary>
/// Orders the body writes of the HTTP/2 streams of one connection by RFC 9218 priority (section 10): a write
/// waits while another stream that ranks ahead of it has data ready to send. A stream ranks ahead when it is
/// more urgent (lower u), or equally urgent, not incremental and either earlier (request order) or the other
/// one is incremental; incremental streams of one urgency never hold each other back, so Kestrel's own
/// round-robin over streams interleaves them.
/// </summary>
/// <remarks>
/// <para>"Has data ready" is what the scheduler can see above Kestrel: a write waiting for its turn, or bytes the
/// stream wrote that have not yet reached the transport (the seam reports each DATA frame Kestrel writes).
/// A stream whose bytes made no progress for <see cref="ResponseSchedulingOptions.StallTimeout"/> (closed
/// flow-control window, slow reader) is not ready, so it holds nobody back; a stream the app is not writing to
/// has no data and is not ready either. No write waits longer than <see cref="ResponseSchedulingOptions.MaxHoldBack"/>.
/// Frames Kestrel already wrote are never reordered.</para>
/// <para>Every rank comparison is a strict order (urgency, then non-incremental by stream id before
/// incremental), so among waiting streams the best-ranked one can always go: no wait cycle exists.</para>
/// <para>Lock order: the scheduler never calls out (feature, app, Kestrel) while holding its lock; waiters are
/// completed after it is released and resume on the thread pool.</para>
/// </remarks>
internal sealed class ConnectionScheduler : IHttp2StreamOutputObserver
{
    private readonly Lock _lock = new();
    private readonly long _holdTicks;
    private readonly long _stallTicks;
    private readonly long _idleTicks;
    private readonly long _pollTicks;
    private readonly SchedulingMetrics? _metrics;
    private ScheduledStream[] _streams = new ScheduledStream[4];
    private int _count;
    private int _waiting;
    private int _socketConfigured;

    public ConnectionScheduler(ResponseSchedulingOptions options, SchedulingMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        _holdTicks = ToTicks(options.MaxHoldBack);
        _stallTicks = ToTicks(options.StallTimeout);
        _idleTicks = ToTicks(options.IdleTimeout);
        _pollTicks = Math.Min(_idleTicks, _stallTicks);
        _metrics = metrics;
    }

    /// <summary>Streams registered (for tests).</summary>
    internal int Count { get { lock (_lock) { return _count; } } }

    /// <summary>Bytes of <paramref name="streamId"/> handed to Kestrel and not yet written to the transport, or -1 (for tests).</summary>
    internal long OutstandingBytes(int streamId)
    {
        lock (_lock)
        {
            return FindLocked(streamId)?.Outstanding ?? -1;
        }
    }

    /// <summary>Whether a write of <paramref name="streamId"/> waits for its turn (for tests).</summary>
    internal bool IsWaiting(int streamId)
    {
        lock (_lock)
        {
            return FindLocked(streamId)?.Waiter is not null;
        }
    }

    /// <summary>Writes waiting for their turn (for tests).</summary>
    internal int Waiting { get { lock (_lock) { return _waiting; } } }

    /// <summary>True the first time it is called on this connection (the socket is configured once).</summary>
    internal bool TryClaimSocketConfiguration() => Interlocked.Exchange(ref _socketConfigured, 1) == 0;

    public void Add(ScheduledStream stream)
    {
        lock (_lock)
        {
            if (_count == _streams.Length)
            {
                Array.Resize(ref _streams, _count * 2);
            }

            _streams[_count++] = stream;
        }
    }

    /// <summary>
    /// The request's pipeline ended. Kestrel may still hold the tail of its last write (a write completes
    /// before all of it is sent), so it stays ready until that data reaches the transport, then leaves.
    /// </summary>
    public void End(ScheduledStream stream)
    {
        lock (_lock)
        {
            stream.Ended = true;
            if (stream.Outstanding > 0 && !stream.Closed)
            {
                return;
            }
        }

        Remove(stream);
    }

    /// <summary>The stream is done, or was reset or aborted: it holds nobody back from now on.</summary>
    public void Remove(ScheduledStream stream)
    {
        List<Release>? released = null;
        lock (_lock)
        {
            RemoveLocked(stream, ref released);
        }

        Complete(released);
    }

    private void RemoveLocked(ScheduledStream stream, ref List<Release>? released)
    {
        var i = IndexOfLocked(stream);
        if (i < 0)
        {
            return;
        }

        // Keep request order: rank ties between non-incremental streams are broken by stream id, not by
        // position, so a swap-remove is fine.
        _streams[i] = _streams[--_count];
        _streams[_count] = null!;
        stream.Closed = true;
        if (stream.Waiter is not null)
        {
            (released ??= []).Add(TakeWaiterLocked(stream, Stopwatch.GetTimestamp(), SchedulingMetrics.OutcomeClosed));
        }

        ReevaluateLocked(ref released);
    }

    /// <summary>The stream's priority changed (PRIORITY_UPDATE or PRIORITY): re-rank it now.</summary>
    public void Reprioritize(ScheduledStream stream, EffectivePriority priority)
    {
        List<Release>? released = null;
        lock (_lock)
        {
            if (stream.Closed || stream.Priority == priority)
            {
                return;
            }

            stream.Priority = priority;
            ReevaluateLocked(ref released);
        }

        Complete(released);
    }

    /// <summary>
    /// Waits until <paramref name="stream"/> may hand <paramref name="bytes"/> more bytes to Kestrel, then
    /// counts them as the stream's data in flight. Completes synchronously when nothing ranks ahead.
    /// </summary>
    public ValueTask WaitTurnAsync(ScheduledStream stream, long bytes, EffectivePriority priority)
    {
        TaskCompletionSource? waiter = null;
        List<Release>? others = null;
        lock (_lock)
        {
            if (stream.Closed)
            {
                return ValueTask.CompletedTask;
            }

            var now = Stopwatch.GetTimestamp();
            var reprioritized = stream.Priority != priority;
            stream.Priority = priority;
            if (CanProceedLocked(stream, now))
            {
                AdmitLocked(stream, bytes, now);
            }
            else
            {
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                stream.Waiter = waiter;
                stream.WaitStart = now;
                stream.PendingBytes = bytes;
                _waiting++;
            }

            if (reprioritized)
            {
                // Less urgent than before: streams it held back may go now.
                ReevaluateLocked(ref others);
            }
        }

        Complete(others);
        return waiter is null || waiter.Task.IsCompleted ? ValueTask.CompletedTask : new ValueTask(WaitSlowAsync(stream, waiter));
    }

    private async Task WaitSlowAsync(ScheduledStream stream, TaskCompletionSource waiter)
    {
        while (true)
        {
            TimeSpan timeout;
            lock (_lock)
            {
                if (!ReferenceEquals(stream.Waiter, waiter))
                {
                    break; // released
                }

                var now = Stopwatch.GetTimestamp();
                var remaining = _holdTicks - (now - stream.WaitStart);
                _ = CanProceedLocked(stream, now, out var blockedFor);

                // Look again after at most IdleTimeout and at most StallTimeout: a blocker's horizon can shrink
                // without an event that re-evaluates this waiter. Its write returning to its app starts an idle
                // window (at most IdleTimeout); an idle blocker writing again starts a stall window (at most
                // StallTimeout), and when its data cannot move (a closed flow-control window) nothing else happens.
                timeout = TimeSpan.FromTicks(Math.Max(1, Math.Min(Math.Min(remaining, blockedFor), _pollTicks) * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            }

            try
            {
                await waiter.Task.WaitAsync(timeout).ConfigureAwait(false);
                break;
            }
            catch (TimeoutException)
            {
            }

            // A stream ahead may have stalled since (stall is a matter of time, not of an event), or the
            // hold-back bound was reached.
            Release? release = null;
            lock (_lock)
            {
                if (ReferenceEquals(stream.Waiter, waiter))
                {
                    var now = Stopwatch.GetTimestamp();
                    if (now - stream.WaitStart >= _holdTicks)
                    {
                        release = TakeWaiterLocked(stream, now, SchedulingMetrics.OutcomeTimeout);
                    }
                    else if (CanProceedLocked(stream, now))
                    {
                        release = TakeWaiterLocked(stream, now, SchedulingMetrics.OutcomeReleased);
                    }
                }
            }

            if (release is { } r)
            {
                r.Complete();
            }
        }

        await waiter.Task.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void OnStreamData(int streamId, int length, bool endStream)
    {
        List<Release>? released = null;
        lock (_lock)
        {
            var stream = FindLocked(streamId);
            if (stream is null)
            {
                return;
            }

            stream.Outstanding = Math.Max(0, stream.Outstanding - length);
            stream.LastProgress = Stopwatch.GetTimestamp();
            if (stream.Ended && (stream.Outstanding == 0 || endStream))
            {
                RemoveLocked(stream, ref released);
            }
            else if (_waiting > 0)
            {
                ReevaluateLocked(ref released);
            }
        }

        Complete(released);
    }

    /// <inheritdoc/>
    public void OnStreamEnded(int streamId, bool reset)
    {
        if (!reset)
        {
            return; // a stream's last DATA already arrived through OnStreamData
        }

        ScheduledStream? stream;
        lock (_lock)
        {
            stream = FindLocked(streamId);
        }

        if (stream is not null)
        {
            Remove(stream);
        }
    }

    private ScheduledStream? FindLocked(int streamId)
    {
        var streams = _streams;
        for (var i = 0; i < _count; i++)
        {
            if (streams[i].StreamId == streamId)
            {
                return streams[i];
            }
        }

        return null;
    }

    private int IndexOfLocked(ScheduledStream stream)
    {
        for (var i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_streams[i], stream))
            {
                return i;
            }
        }

        return -1;
    }

    private bool CanProceedLocked(ScheduledStream stream, long now) => CanProceedLocked(stream, now, out _);

    /// <param name="stream">The stream that wants to write.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="blockedFor">When blocked: ticks until the first blocker stops being ready by time alone.</param>
    private bool CanProceedLocked(ScheduledStream stream, long now, out long blockedFor)
    {
        blockedFor = long.MaxValue;
        var streams = _streams;
        for (var i = 0; i < _count; i++)
        {
            var other = streams[i];
            if (!ReferenceEquals(other, stream) && RanksAhead(other.Priority, other.StreamId, stream.Priority, stream.StreamId)
                && ReadyForLocked(other, now) is var readyFor and > 0)
            {
                blockedFor = Math.Min(blockedFor, readyFor);
            }
        }

        return blockedFor == long.MaxValue;
    }

    /// <summary>How many more ticks <paramref name="stream"/> counts as having data ready (0: not ready; MaxValue: until an event).</summary>
    private long ReadyForLocked(ScheduledStream stream, long now)
    {
        if (stream.Waiter is not null && stream.Outstanding == 0)
        {
            return long.MaxValue; // a write waiting for its turn
        }

        if (stream.Outstanding > 0)
        {
            return Math.Max(0, _stallTicks - (now - stream.LastProgress)); // data in Kestrel, while it moves
        }

        // Everything it wrote reached the transport. Until the write returns to the app, the app is about to
        // continue (its continuation may wait for a thread on a busy machine); then, for IdleTimeout, it is about
        // to write again. Counting idleness from the app's return, not from the transport, keeps a busy thread
        // pool from letting a download in between two writes of an urgent response.
        if (stream.InWrite)
        {
            return Math.Max(0, _stallTicks - (now - stream.LastProgress));
        }

        return stream.HasWritten ? Math.Max(0, _idleTicks - (now - Math.Max(stream.LastProgress, stream.LastReturn))) : 0;
    }

    /// <summary>Whether stream <paramref name="aId"/> goes before stream <paramref name="bId"/> (RFC 9218 section 10).</summary>
    internal static bool RanksAhead(EffectivePriority a, int aId, EffectivePriority b, int bId)
    {
        if (a.Urgency != b.Urgency)
        {
            return a.Urgency < b.Urgency;
        }

        if (a.Incremental)
        {
            return false; // incremental streams share their urgency level round-robin
        }

        return b.Incremental || aId < bId;
    }

    private static void AdmitLocked(ScheduledStream stream, long bytes, long now)
    {
        stream.HasWritten = true;
        stream.InWrite = true;
        if (stream.Outstanding == 0)
        {
            stream.LastProgress = now; // a new busy period starts now
        }

        stream.Outstanding += bytes;
    }

    private Release TakeWaiterLocked(ScheduledStream stream, long now, string outcome)
    {
        var waiter = stream.Waiter!;
        stream.Waiter = null;
        _waiting--;
        if (!stream.Closed)
        {
            AdmitLocked(stream, stream.PendingBytes, now);
        }

        stream.PendingBytes = 0;
        return new Release(waiter, _metrics, (double)(now - stream.WaitStart) / Stopwatch.Frequency, stream.Priority.Urgency, outcome);
    }

    private void ReevaluateLocked(ref List<Release>? released)
    {
        if (_waiting == 0)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();

        // Admitting a waiter does not change whether it is ready (a waiting write becomes data in flight),
        // so it changes nobody else's verdict: one pass in any order is enough.
        var streams = _streams;
        for (var i = 0; i < _count; i++)
        {
            var stream = streams[i];
            if (stream.Waiter is not null && (now - stream.WaitStart >= _holdTicks || CanProceedLocked(stream, now)))
            {
                (released ??= []).Add(TakeWaiterLocked(stream, now, now - stream.WaitStart >= _holdTicks ? SchedulingMetrics.OutcomeTimeout : SchedulingMetrics.OutcomeReleased));
            }
        }
    }

    private static void Complete(List<Release>? released)
    {
        if (released is null)
        {
            return;
        }

        foreach (var release in released)
        {
            release.Complete();
        }
    }

    private static long ToTicks(TimeSpan value) => (long)(value.TotalSeconds * Stopwatch.Frequency);

    private readonly record struct Release(TaskCompletionSource Waiter, SchedulingMetrics? Metrics, double Seconds, int Urgency, string Outcome)
    {
        public void Complete()
        {
            Metrics?.HeldBack(Seconds, Urgency, Outcome);
            Waiter.TrySetResult();
        }
    }
}
