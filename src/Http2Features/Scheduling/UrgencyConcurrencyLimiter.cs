using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Scheduling;

/// <summary>
/// A concurrency limiter (System.Threading.RateLimiting) whose queue is ordered by request urgency: when a
/// permit frees up, the most urgent waiting request gets it, ties in arrival order. The queue is bounded: a
/// request arriving at a full queue displaces the newest of the least urgent waiters if it is more urgent
/// than they are, and is rejected otherwise. A waiter that waits longer than the queue timeout is rejected.
/// </summary>
/// <remarks>
/// <see cref="ConcurrencyLimiter"/> cannot be reused: its queue order is only oldest-first or newest-first, and
/// a partitioned limiter would give each urgency its own permits. This class is a
/// <see cref="PartitionedRateLimiter{TResource}"/> of <see cref="HttpContext"/> with one shared pool, so it also
/// fits <c>RateLimiterOptions.GlobalLimiter</c>.
/// </remarks>
internal sealed class UrgencyConcurrencyLimiter : PartitionedRateLimiter<HttpContext>
{
    private readonly Lock _lock = new();
    private readonly int _permitLimit;
    private readonly int _queueLimit;
    private readonly TimeSpan _queueTimeout;
    private readonly TimeSpan _retryAfter;
    private readonly SchedulingMetrics? _metrics;
    private readonly LinkedList<Waiter>[] _queues = [.. Enumerable.Range(0, 8).Select(_ => new LinkedList<Waiter>())];
    private int _available;
    private int _queued;
    private long _successful;
    private long _failed;
    private bool _disposed;

    public UrgencyConcurrencyLimiter(PriorityAdmissionOptions options, SchedulingMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        _permitLimit = options.ConcurrencyLimit;
        _available = options.ConcurrencyLimit;
        _queueLimit = options.QueueLimit;
        _queueTimeout = options.QueueTimeout;
        _retryAfter = options.RetryAfter;
        _metrics = metrics;
    }

    /// <summary>Requests waiting (for tests).</summary>
    internal int QueuedCount { get { lock (_lock) { return _queued; } } }

    /// <summary>The urgency admission uses for a request.</summary>
    internal static int UrgencyOf(HttpContext context) =>
        EffectivePriority.From(context.GetStreamPriority(), EffectivePriority.HasHeader(context.Request)).Urgency;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource)
    {
        lock (_lock)
        {
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _available,
                CurrentQueuedCount = _queued,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        CheckPermitCount(permitCount);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_queued == 0 && _available > 0)
            {
                _available--;
                _successful++;
                return new Lease(this, acquired: true);
            }

            _failed++;
            return Rejected();
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        CheckPermitCount(permitCount);
        var urgency = UrgencyOf(resource);
        Waiter? displaced = null;
        Waiter waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_queued == 0 && _available > 0)
            {
                _available--;
                _successful++;
                _metrics?.Admission(urgency, "admitted");
                return ValueTask.FromResult<RateLimitLease>(new Lease(this, acquired: true));
            }

            if (_queued >= _queueLimit)
            {
                // Full: the newest of the least urgent waiters makes room for a more urgent arrival.
                var worst = LeastUrgentQueueLocked();
                if (worst <= urgency)
                {
                    _failed++;
                    _metrics?.Admission(urgency, "rejected");
                    return ValueTask.FromResult<RateLimitLease>(Rejected());
                }

                displaced = _queues[worst].Last!.Value;
                RemoveLocked(displaced);
                _failed++;
            }

            waiter = new Waiter(urgency, Stopwatch.GetTimestamp());
            waiter.Node = _queues[urgency].AddLast(waiter);
            _queued++;
        }

        if (displaced is not null)
        {
            _metrics?.Admission(displaced.Urgency, "rejected");
            displaced.Completion.TrySetResult(Rejected());
        }

        return new ValueTask<RateLimitLease>(WaitAsync(waiter, cancellationToken));
    }

    private async Task<RateLimitLease> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        try
        {
            return await waiter.Completion.Task.WaitAsync(_queueTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            bool removed;
            lock (_lock)
            {
                removed = waiter.Node?.List is not null;
                if (removed)
                {
                    RemoveLocked(waiter);
                    _failed++;
                }
            }

            if (!removed)
            {
                // Admitted (or displaced) at the same moment: honour what happened.
                var lease = await waiter.Completion.Task.ConfigureAwait(false);
                if (ex is OperationCanceledException)
                {
                    lease.Dispose();
                    throw;
                }

                return lease;
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            _metrics?.Admission(waiter.Urgency, "timeout");
            return Rejected();
        }
    }

    private void Release()
    {
        Waiter? next;
        lock (_lock)
        {
            next = null;
            for (var u = 0; u < _queues.Length && next is null; u++)
            {
                next = _queues[u].First?.Value;
            }

            if (next is null)
            {
                _available = Math.Min(_available + 1, _permitLimit);
                return;
            }

            RemoveLocked(next);
            _successful++;
        }

        _metrics?.Admission(next.Urgency, "queued");
        _metrics?.Queued((double)(Stopwatch.GetTimestamp() - next.Enqueued) / Stopwatch.Frequency, next.Urgency);
        if (!next.Completion.TrySetResult(new Lease(this, acquired: true)))
        {
            Release(); // the waiter gave up at the same moment: pass the permit on
        }
    }

    private int LeastUrgentQueueLocked()
    {
        for (var u = _queues.Length - 1; u >= 0; u--)
        {
            if (_queues[u].Count > 0)
            {
                return u;
            }
        }

        return -1;
    }

    private void RemoveLocked(Waiter waiter)
    {
        _queues[waiter.Urgency].Remove(waiter.Node!);
        waiter.Node = null;
        _queued--;
    }

    private Lease Rejected() => new Lease(this, acquired: false, _retryAfter);

    private static void CheckPermitCount(int permitCount)
    {
        if (permitCount != 1)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, "Each request takes one permit.");
        }
    }

    protected override void Dispose(bool disposing)
    {
        List<Waiter> waiting = [];
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                foreach (var queue in _queues)
                {
                    waiting.AddRange(queue);
                    queue.Clear();
                }

                _queued = 0;
            }
        }

        foreach (var waiter in waiting)
        {
            waiter.Completion.TrySetResult(Rejected());
        }

        base.Dispose(disposing);
    }

    private sealed class Waiter(int urgency, long enqueued)
    {
        public int Urgency { get; } = urgency;

        public long Enqueued { get; } = enqueued;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource<RateLimitLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lease(UrgencyConcurrencyLimiter limiter, bool acquired, TimeSpan? retryAfter = null) : RateLimitLease
    {
        private int _disposed;

        public override bool IsAcquired { get; } = acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } value && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = value;
                return true;
            }

            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (IsAcquired && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                limiter.Release();
            }

            base.Dispose(disposing);
        }
    }
}
