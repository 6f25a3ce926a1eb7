// These tests drive a PipeWriter the way Kestrel does (no test token on its calls): xUnit1051 does not apply.
#pragma warning disable xUnit1051
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FluentAssertions;
using Http2Features.Connection;

namespace Http2Features.Tests.Connection;

/// <summary>
/// Shutdown while the pack's own 103 flush is pending (HTTP/1.1's, or the one scheduled for HTTP/2 hints Kestrel's output did
/// not carry): Kestrel's <c>Complete</c> must not reach the writer below
/// during that flush, and what Kestrel wrote meanwhile must not be lost. Also pins, with Kestrel's own
/// <c>ConcurrentPipeWriter</c>, the two Kestrel behaviours the writer relies on.
/// </summary>
public class EarlyHintsOutputWriterCompleteTests
{
    private static readonly KeyValuePair<string, string>[] Link = [new("link", "</a.css>; rel=preload; as=style")];
    private static readonly byte[] ServerSettings = TestFrames.Frame(0x4, 0, 0, [0x00, 0x03, 0x00, 0x00, 0x00, 0x64]);

    private static InformationalResponse Hint(int streamId) => new(streamId, Link, () => false, TimeSpan.FromSeconds(30), default);

    private static async Task<byte[]> ReadToEndAsync(PipeReader reader)
    {
        var all = new List<byte>();
        while (true)
        {
            var result = await reader.ReadAsync();
            all.AddRange(result.Buffer.ToArray());
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return [.. all];
            }
        }
    }

    private static void Write(PipeWriter writer, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }

    [Fact]
    public async Task Complete_during_our_own_flush_waits_for_it_and_keeps_every_staged_byte_for_a_client_that_resumes()
    {
        // A client that stopped reading: our 103 is larger than the pipe's pause threshold, so its flush stays pending.
        var (pipe, inner, writer, flushes) = await StartHttp2Async();

        // The 103 is in the transport; Kestrel has nothing coming, so the scheduled flush sends it, and stays pending.
        var hint = writer.WriteAsync(Hint(1), default);
        flushes.Should().ContainSingle();
        flushes[0].Execute();
        inner.FlushPending.Should().BeTrue("the 103's flush is pending on a client that does not read");

        // Kestrel, in pass-through (no flush of its own pending), writes its last frames and completes the writer.
        var data = TestFrames.Frame(0x0, 0x1, 3, Enumerable.Range(0, 200).Select(i => (byte)i).ToArray());
        Write(writer, data);
        var complete = () => writer.Complete();
        complete.Should().NotThrow("nothing of the shutdown may throw inside Kestrel");

        inner.CallsDuringPendingFlush.Should().BeEmpty("a PipeWriter takes no call while its flush is pending");
        inner.Completed.Should().BeFalse("the inner writer is completed once our flush ends");

        // The client resumes: it gets the settings' successor, the 103, Kestrel's staged DATA, then the end.
        var rest = await ReadToEndAsync(pipe.Reader).WaitAsync(TimeSpan.FromSeconds(30));
        (await hint.AsTask().WaitAsync(TimeSpan.FromSeconds(30))).IsWritten.Should().BeTrue();
        var frames = TestFrames.Parse(rest);
        frames.Select(f => (f.Type, f.StreamId)).Should().Equal((0x1, 1), (0x0, 3));
        frames[1].Payload.Should().Equal(data[9..]);
        inner.Completed.Should().BeTrue();
        inner.CallsDuringPendingFlush.Should().BeEmpty();
    }

    [Fact]
    public async Task CompleteAsync_during_our_own_flush_is_deferred_the_same_way()
    {
        var (pipe, inner, writer) = await StartHttp1Async();

        var hint = writer.WriteAsync(Hint(0), default);
        Write(writer, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"u8);
        await writer.CompleteAsync();
        inner.CallsDuringPendingFlush.Should().BeEmpty();

        var rest = System.Text.Encoding.ASCII.GetString(await ReadToEndAsync(pipe.Reader).WaitAsync(TimeSpan.FromSeconds(30)));
        (await hint.AsTask().WaitAsync(TimeSpan.FromSeconds(30))).IsWritten.Should().BeTrue();
        rest.Should().Be("HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload; as=style\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    }

    [Fact]
    public async Task Complete_while_our_flush_is_cancelled_by_Kestrels_abort_path_still_completes_once()
    {
        var (_, inner, writer, flushes) = await StartHttp2Async();

        // HTTP/1.1: the 103's call completes with its own flush, which Kestrel's abort path cancels.
        var http1 = await Http1WriterWithPendingHintAsync();
        http1.Writer.Complete();
        http1.Writer.CancelPendingFlush();
        (await http1.Hint.AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Status.Should().Be(InformationalResponseStatus.ConnectionClosed, "the cancelled flush did not reach the client");
        http1.Inner.Completed.Should().BeTrue();
        http1.Inner.CallsDuringPendingFlush.Should().BeEmpty();

        // HTTP/2: the 103 was reported written when it went into the transport; the scheduled flush is cancelled the same way.
        (await writer.WriteAsync(Hint(1), default)).IsWritten.Should().BeTrue();
        flushes.Single().Execute();
        inner.FlushPending.Should().BeTrue();
        writer.Complete();
        writer.CancelPendingFlush();
        await WaitUntilAsync(() => inner.Completed);
        inner.CallsDuringPendingFlush.Should().BeEmpty();
    }

    // HTTP/2 on a pipe that pauses at 16 bytes (a client that stops reading): Kestrel's SETTINGS went out and two streams
    // are open, so a 103 Kestrel's output does not carry gets a scheduled flush, which the test runs itself.
    private static async Task<(Pipe Pipe, CallCheckingWriter Inner, EarlyHintsOutputWriter Writer, List<IThreadPoolWorkItem> Flushes)> StartHttp2Async()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var inner = new CallCheckingWriter(pipe.Writer);
        var flushes = new List<IThreadPoolWorkItem>();
        var writer = new EarlyHintsOutputWriter(inner, null, scheduleFlush: flushes.Add);
        writer.OnClientStreamOpened(); // two open streams: Kestrel will flush soon, so the 103's flush is scheduled
        writer.OnClientStreamOpened();
        Write(writer, ServerSettings);
        var flush = writer.FlushAsync();
        var first = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(first.Buffer.End);
        await flush;
        return (pipe, inner, writer, flushes);
    }

    // HTTP/1.1 on the same pipe, after Kestrel's first bytes (a 100 Continue) went out and were read.
    private static async Task<(Pipe Pipe, CallCheckingWriter Inner, EarlyHintsOutputWriter Writer)> StartHttp1Async()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var inner = new CallCheckingWriter(pipe.Writer);
        var writer = new EarlyHintsOutputWriter(inner, null);
        Write(writer, "HTTP/1.1 100 Continue\r\n\r\n"u8);
        var flush = writer.FlushAsync();
        var first = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(first.Buffer.End);
        await flush;
        return (pipe, inner, writer);
    }

    private static async Task<(EarlyHintsOutputWriter Writer, CallCheckingWriter Inner, ValueTask<InformationalResponseResult> Hint)> Http1WriterWithPendingHintAsync()
    {
        var (_, inner, writer) = await StartHttp1Async();
        var hint = writer.WriteAsync(Hint(0), default);
        hint.IsCompleted.Should().BeFalse("the 103's flush is pending on a client that does not read");
        inner.FlushPending.Should().BeTrue();
        return (writer, inner, hint);
    }

    // Our flush ends on a thread-pool thread after the cancellation: wait for its effect, without a fixed sleep.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition holds within 30 s");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Kestrel_ConcurrentPipeWriter_makes_no_call_on_the_writer_below_while_its_flush_is_pending_and_buffers_meanwhile()
    {
        // Kestrel's Http2FrameWriter writes through a ConcurrentPipeWriter over the transport's writer (ours). The
        // writer relies on: (1) no call reaches it while a Kestrel flush on it is pending, Complete included (it is
        // deferred until the flush ends); (2) Kestrel's writes meanwhile are buffered above it and arrive, in order,
        // after the flush. A Kestrel update that changes either breaks the writer's staging.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var inner = new CallCheckingWriter(pipe.Writer);
        var sync = new Lock();
        var kestrel = KestrelConcurrentPipeWriter.Create(inner, MemoryPool<byte>.Shared, sync);

        ValueTask<FlushResult> pending;
        lock (sync)
        {
            Write(kestrel, new byte[64]);
            pending = kestrel.FlushAsync();
        }

        pending.IsCompleted.Should().BeFalse("nobody reads, so Kestrel's flush is pending");
        lock (sync)
        {
            Write(kestrel, "after"u8);
            kestrel.Complete();
        }

        inner.CallsDuringPendingFlush.Should().BeEmpty("Kestrel buffers writes and defers Complete while its flush is pending");
        inner.Completed.Should().BeFalse();

        var all = await ReadToEndAsync(pipe.Reader).WaitAsync(TimeSpan.FromSeconds(30));
        await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        all.Length.Should().Be(64 + 5, "the buffered bytes arrive after the flush, before the deferred Complete");
        all[^5..].Should().Equal("after"u8.ToArray());
        inner.CallsDuringPendingFlush.Should().BeEmpty();
        inner.Completed.Should().BeTrue();
    }

    /// <summary>Kestrel's internal ConcurrentPipeWriter, constructed as Http2FrameWriter does (its write lock is the sync object).</summary>
    private static class KestrelConcurrentPipeWriter
    {
        private const string TypeName = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Infrastructure.PipeWriterHelpers.ConcurrentPipeWriter, Microsoft.AspNetCore.Server.Kestrel.Core";

        public static PipeWriter Create(PipeWriter inner, MemoryPool<byte> pool, Lock sync) => (PipeWriter)Construct(inner, pool, sync);

        [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
        [return: UnsafeAccessorType(TypeName)]
        private static extern object Construct(PipeWriter innerPipeWriter, MemoryPool<byte> pool, Lock sync);
    }

    /// <summary>Forwards to a pipe and records every call made while one of its flushes is pending.</summary>
    private sealed class CallCheckingWriter(PipeWriter inner) : PipeWriter
    {
        private volatile bool _flushPending;

        public List<string> CallsDuringPendingFlush { get; } = [];

        public bool FlushPending => _flushPending;

        public bool Completed { get; private set; }

        private void Check(string call)
        {
            if (_flushPending)
            {
                lock (CallsDuringPendingFlush)
                {
                    CallsDuringPendingFlush.Add(call);
                }
            }
        }

        public override void Advance(int bytes)
        {
            Check(nameof(Advance));
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0)
        {
            Check(nameof(GetMemory));
            return inner.GetMemory(sizeHint);
        }

        public override Span<byte> GetSpan(int sizeHint = 0)
        {
            Check(nameof(GetSpan));
            return inner.GetSpan(sizeHint);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Check(nameof(FlushAsync));
            var flush = inner.FlushAsync(cancellationToken);
            if (flush.IsCompleted)
            {
                return flush;
            }

            _flushPending = true;
            return AwaitAsync(flush);
        }

        private async ValueTask<FlushResult> AwaitAsync(ValueTask<FlushResult> flush)
        {
            try
            {
                return await flush;
            }
            finally
            {
                _flushPending = false;
            }
        }

        // Kestrel's abort path cancels a pending flush: the one call that is allowed during it.
        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            Check(nameof(Complete));
            Completed = true;
            inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            Check(nameof(CompleteAsync));
            Completed = true;
            return inner.CompleteAsync(exception);
        }

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
