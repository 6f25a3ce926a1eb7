// These tests drive a PipeReader the way Kestrel does (no test token on its calls): xUnit1051 does not apply.
#pragma warning disable xUnit1051
using System.IO.Pipelines;
using FluentAssertions;
using Http2Features.Connection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Http2Features.Tests.Connection;

/// <summary>
/// A read that is still pending when Kestrel asks for it (the usual case between a client's requests) completes through
/// the seam reader's one reusable completion source: steady state allocates nothing, and the inner reader's outcome
/// (data, cancellation, exception) reaches Kestrel unchanged.
/// </summary>
public class FrameObservingReaderTests
{
    // A PING: the observer skips its payload, so the loop below observes bytes without recording anything.
    private static readonly byte[] Ping = FrameBytes.Frame(0x6, 0, 0, new byte[8]);

    private static (Pipe Pipe, FrameObservingReader Reader) Create() => Create(observed: true);

    private static (Pipe Pipe, PipeReader Reader) CreateBare()
    {
        var (pipe, _) = Create(observed: false);
        return (pipe, pipe.Reader);
    }

    private static (Pipe Pipe, FrameObservingReader Reader) Create(bool observed)
    {
        // Inline schedulers: the writer's flush completes the pending read on the test's own thread, so the
        // allocation counter of this thread sees all of it.
        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false));
        var layer = new SeamTransportLayer(new ConnectionSeamState(), afterTls: true);
        var reader = new FrameObservingReader(pipe.Reader, new Http2FrameObserver(layer, sniff: false), layer, NullLogger.Instance);
        Write(pipe, FrameBytes.Preface);
        var preface = observed ? reader.ReadAsync() : pipe.Reader.ReadAsync();
        if (!preface.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the preface was written: the read completes at once");
        }

        (observed ? reader : pipe.Reader).AdvanceTo(preface.Result.Buffer.End);
        return (pipe, reader);
    }

    private static void Write(Pipe pipe, byte[] bytes)
    {
        bytes.CopyTo(pipe.Writer.GetSpan(bytes.Length));
        pipe.Writer.Advance(bytes.Length);
        var flush = pipe.Writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the pipe has no pause threshold: its flush completes at once");
        }

        _ = flush.Result;
    }

    // One round: every connection's read is pending at once (as on a server with several idle connections), then
    // each one's data arrives. A per-read allocation, or a pool smaller than the reads outstanding, shows here.
#pragma warning disable CA2012 // Each read is stored once and consumed once, after its completion is checked: the way Kestrel's loops hold them.
    private static int PendingReads((Pipe Pipe, PipeReader Reader)[] connections, int rounds)
    {
        var seen = 0;
        var reads = new ValueTask<ReadResult>[connections.Length];
        for (var round = 0; round < rounds; round++)
        {
            for (var c = 0; c < connections.Length; c++)
            {
                reads[c] = connections[c].Reader.ReadAsync();
                if (reads[c].IsCompleted)
                {
                    throw new InvalidOperationException("nothing was written yet: the read must be pending");
                }
            }

            for (var c = 0; c < connections.Length; c++)
            {
                Write(connections[c].Pipe, Ping);
                if (!reads[c].IsCompletedSuccessfully)
                {
                    throw new InvalidOperationException("the flush completed the read inline");
                }

                var result = reads[c].Result;
                seen += (int)result.Buffer.Length;
                connections[c].Reader.AdvanceTo(result.Buffer.End);
            }
        }

        return seen;
    }
#pragma warning restore CA2012

    [Fact]
    public void Pending_reads_that_complete_later_allocate_no_more_than_the_bare_pipe_reader()
    {
        var observed = Enumerable.Range(0, 16).Select(_ => Create()).ToArray();
        var bare = Enumerable.Range(0, 16).Select(_ => CreateBare()).ToArray();
        var seamReaders = observed.Select(c => (c.Pipe, (PipeReader)c.Reader)).ToArray();
        PendingReads(seamReaders, 500); // warm up: the pipes' segments, JIT tiers
        PendingReads(bare, 500);

        // The best of three each: a tier-up of the JIT during one run may allocate on this thread; a per-read cost
        // shows in all three. The bare pipe's own figure (the Pipe may allocate a little) is the floor.
        long seam = long.MaxValue, floor = long.MaxValue;
        var seen = 0;
        for (var run = 0; run < 3; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            seen += PendingReads(seamReaders, 1_000);
            seam = Math.Min(seam, GC.GetAllocatedBytesForCurrentThread() - before);
            before = GC.GetAllocatedBytesForCurrentThread();
            PendingReads(bare, 1_000);
            floor = Math.Min(floor, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        // (A box per read, as a pooled async method costs once the reads outstanding outnumber its pool, is 5 MB here.)
        seam.Should().BeLessThanOrEqualTo(floor + 1024, "16,000 reads that were pending when asked for, 16 at a time, cost the seam nothing (the bare pipe: {0} B)", floor);
        seen.Should().Be(3 * 16_000 * Ping.Length, "every byte written reached the reader's caller");
        observed.Should().OnlyContain(c => c.Reader.Observer.BytesObserved == FrameBytes.Preface.Length + (3_500L * Ping.Length), "each byte observed once");
    }

    [Fact]
    public async Task A_pending_read_ends_with_the_exception_the_inner_reader_throws()
    {
        var (pipe, reader) = Create();
        var read = reader.ReadAsync();
        read.IsCompleted.Should().BeFalse();

        await pipe.Writer.CompleteAsync(new InvalidOperationException("transport failed"));

        var failing = async () => await read;
        (await failing.Should().ThrowAsync<InvalidOperationException>()).WithMessage("transport failed");
    }

    [Fact]
    public async Task CancelPendingRead_reaches_a_pending_read_and_the_next_read_still_sees_the_data()
    {
        var (pipe, reader) = Create();
        var read = reader.ReadAsync();
        reader.CancelPendingRead();
        (await read).IsCanceled.Should().BeTrue();

        var next = reader.ReadAsync();
        next.IsCompleted.Should().BeFalse();
        Write(pipe, Ping);
        var result = await next;
        result.Buffer.Length.Should().Be(Ping.Length);
        reader.AdvanceTo(result.Buffer.End);
        reader.Observer.BytesObserved.Should().Be(FrameBytes.Preface.Length + Ping.Length);
    }
}
