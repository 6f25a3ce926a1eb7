// These tests drive a PipeWriter the way Kestrel does (no test token on its calls): xUnit1051 does not apply.
#pragma warning disable xUnit1051
using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using FluentAssertions;
using Http2Features.Connection;
using Http2Features.EarlyHints;

namespace Http2Features.Tests.Connection;

public class EarlyHintsOutputWriterTests
{
    private static readonly KeyValuePair<string, string>[] Link = [new("link", "</a.css>; rel=preload; as=style")];
    private static readonly byte[] ServerSettings = TestFrames.Frame(0x4, 0, 0, [0x00, 0x03, 0x00, 0x00, 0x00, 0x64]);
    private static readonly byte[] SettingsAck = TestFrames.Frame(0x4, 0x1, 0, []);

    private static InformationalResponse Hint(int streamId, Func<bool>? started = null, TimeSpan? timeout = null, CancellationToken aborted = default)
        => new(streamId, Link, started ?? (() => false), timeout ?? TimeSpan.FromSeconds(10), aborted);

    private static async Task<byte[]> ReadAllAsync(Pipe pipe)
    {
        var result = await pipe.Reader.ReadAsync();
        while (!result.IsCompleted)
        {
            pipe.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await pipe.Reader.ReadAsync();
        }

        var bytes = result.Buffer.ToArray();
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return bytes;
    }

    // Kestrel-like write: one frame spread over several GetSpan/Advance pairs, flushed once.
    private static async Task WriteSplitAsync(PipeWriter writer, byte[] bytes, int pieces, bool flush = true)
    {
        var size = Math.Max(1, bytes.Length / pieces);
        for (var at = 0; at < bytes.Length; at += size)
        {
            var chunk = bytes.AsSpan(at, Math.Min(size, bytes.Length - at));
            chunk.CopyTo(writer.GetSpan(chunk.Length));
            writer.Advance(chunk.Length);
        }

        if (flush)
        {
            await writer.FlushAsync();
        }
    }

    [Fact]
    public async Task Idle_output_gets_the_103_immediately_and_the_call_reports_sent()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        await WriteSplitAsync(writer, ServerSettings, 1);

        var result = await writer.WriteAsync(Hint(1), default);

        result.IsWritten.Should().BeTrue();
        await writer.CompleteAsync();
        var frames = TestFrames.Parse(await ReadAllAsync(pipe));
        frames.Select(f => (f.Type, f.StreamId)).Should().Equal((0x4, 0), (0x1, 1));
        frames[1].Payload.Take(5).Should().Equal(0x08, 0x03, (byte)'1', (byte)'0', (byte)'3');
    }

    [Fact]
    public async Task Hint_requested_mid_frame_waits_for_the_frame_end_and_goes_out_with_Kestrels_flush()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        await WriteSplitAsync(writer, ServerSettings, 1);
        var data = TestFrames.Frame(0x0, 0, 3, new byte[1000]);

        // Kestrel has written half a DATA frame when the request thread asks for a hint on stream 1.
        await WriteSplitAsync(writer, data[..500], 3, flush: false);
        var pending = writer.WriteAsync(Hint(1), default);
        pending.IsCompleted.Should().BeFalse("the output is inside a frame and Kestrel holds memory");
        await WriteSplitAsync(writer, data[500..], 4, flush: false);
        pending.IsCompleted.Should().BeFalse("Kestrel has not flushed");
        await writer.FlushAsync();

        (await pending).IsWritten.Should().BeTrue();
        await writer.CompleteAsync();
        var frames = TestFrames.Parse(await ReadAllAsync(pipe));
        frames.Select(f => (f.Type, f.StreamId)).Should().Equal((0x4, 0), (0x0, 3), (0x1, 1));
    }

    [Fact]
    public async Task Hint_is_never_put_inside_a_HEADERS_CONTINUATION_block()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        await WriteSplitAsync(writer, ServerSettings, 1);

        // Kestrel flushes between HEADERS (no END_HEADERS) and CONTINUATION only in theory; model it.
        await WriteSplitAsync(writer, TestFrames.Frame(0x1, 0x0, 3, [0x88]), 2);
        var pending = writer.WriteAsync(Hint(1), default);
        pending.IsCompleted.Should().BeFalse();
        await WriteSplitAsync(writer, TestFrames.Frame(0x9, 0x4, 3, [0x88]), 2);

        (await pending).IsWritten.Should().BeTrue();
        await writer.CompleteAsync();
        var frames = TestFrames.Parse(await ReadAllAsync(pipe));
        frames.Select(f => f.Type).Should().Equal(0x4, 0x1, 0x9, 0x1);
        frames[3].StreamId.Should().Be(1);
    }

    [Fact]
    public async Task Http1_span_reuse_across_two_Advance_calls_is_not_interrupted()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);

        // Kestrel's BufferWriter: one GetSpan, Advance, keep writing into the same span, Advance again.
        var span = writer.GetSpan(64);
        "HTTP/1.1 100 Continue\r\n"u8.CopyTo(span);
        writer.Advance(23);
        var pending = writer.WriteAsync(Hint(0), default);
        pending.IsCompleted.Should().BeFalse("Kestrel still holds the span");
        "\r\n"u8.CopyTo(span[23..]);
        writer.Advance(2);
        await writer.FlushAsync();

        (await pending).IsWritten.Should().BeTrue();
        await writer.CompleteAsync();
        Encoding.ASCII.GetString(await ReadAllAsync(pipe)).Should().Be(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload; as=style\r\n\r\n");
    }

    [Fact]
    public async Task Queued_hint_is_dropped_when_Kestrel_writes_the_final_HEADERS_of_its_stream()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        await WriteSplitAsync(writer, ServerSettings, 1);
        await WriteSplitAsync(writer, TestFrames.Frame(0x0, 0, 3, new byte[10])[..5], 1, flush: false);
        var pending = writer.WriteAsync(Hint(1), default);
        await WriteSplitAsync(writer, TestFrames.Frame(0x0, 0, 3, new byte[10])[5..], 1, flush: false);
        await WriteSplitAsync(writer, TestFrames.Frame(0x1, 0x4, 1, [0x88]), 2);

        (await pending).Status.Should().Be(InformationalResponseStatus.ResponseStarted);
        await writer.CompleteAsync();
        TestFrames.Parse(await ReadAllAsync(pipe)).Should().NotContain(f => f.Type == 0x1 && f.Payload.Length > 1);
    }

    [Fact]
    public async Task Response_started_check_runs_right_before_writing()
    {
        var writer = new EarlyHintsOutputWriter(new Pipe().Writer, null);
        (await writer.WriteAsync(Hint(0, started: () => true), default)).Status.Should().Be(InformationalResponseStatus.ResponseStarted);
    }

    private static ClientSettingsObservation Settings(params uint?[] headerTableSizes)
    {
        // One client SETTINGS frame per value, as the input observer records them (null: a frame without the setting).
        var settings = new ClientSettingsObservation();
        foreach (var size in headerTableSizes)
        {
            if (size is { } s)
            {
                settings.Observe(ClientSettingsObservation.SettingsHeaderTableSize, s);
            }

            settings.EndFrame();
        }

        return settings;
    }

    private static List<TestFrame> Hints(byte[] bytes) =>
        TestFrames.Parse(bytes).Where(f => f.Type == 0x1 && f.Payload.Length > 5 && f.Payload[4] == (byte)'3').ToList();

    [Fact]
    public async Task After_the_ACK_of_a_smaller_header_table_hints_report_pending_until_Kestrels_next_header_block()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, Settings(0));
        await WriteSplitAsync(writer, ServerSettings, 1);
        writer.SizeUpdateOwed.Should().BeFalse("the client's SETTINGS is not acknowledged yet");
        await WriteSplitAsync(writer, SettingsAck, 1);
        writer.SizeUpdateOwed.Should().BeTrue("the client now requires a size update first in the next block, which only Kestrel may send");

        (await writer.WriteAsync(Hint(1), default)).Status.Should().Be(InformationalResponseStatus.HeaderTableSizeChangePending);

        // Kestrel's next block (size update 0, :status 200): after it the client requires nothing more.
        await WriteSplitAsync(writer, TestFrames.Frame(0x1, 0x5, 3, [0x20, 0x88]), 3);
        writer.SizeUpdateOwed.Should().BeFalse();
        (await writer.WriteAsync(Hint(5), default)).IsWritten.Should().BeTrue();

        await writer.CompleteAsync();
        var hints = Hints(await ReadAllAsync(pipe));
        hints.Should().ContainSingle().Which.StreamId.Should().Be(5);
        hints[0].Payload[0].Should().Be(0x08, "an injected block never carries a size update");
    }

    [Fact]
    public async Task Hint_queued_while_Kestrel_writes_the_ACK_and_a_header_block_goes_out_right_after_that_block()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, Settings(256));
        await WriteSplitAsync(writer, ServerSettings, 1);

        writer.GetSpan(9);
        var pending = writer.WriteAsync(Hint(1), default);
        pending.IsCompleted.Should().BeFalse("Kestrel holds memory");
        await WriteSplitAsync(writer, [.. SettingsAck, .. TestFrames.Frame(0x1, 0x5, 3, [0x3F, 0xE1, 0x01, 0x88])], 4);

        (await pending).IsWritten.Should().BeTrue();
        await writer.CompleteAsync();
        var frames = TestFrames.Parse(await ReadAllAsync(pipe));
        frames.Select(f => (f.Type, f.Flags, f.StreamId)).Should().Equal((0x4, 0, 0), (0x4, 1, 0), (0x1, 5, 3), (0x1, 4, 1));
        frames[3].Payload[0].Should().Be(0x08);
    }

    [Theory]
    [InlineData(4096u, 0u, false, true)]
    [InlineData(0u, 4096u, true, false)]
    public async Task Two_SETTINGS_frames_in_one_read_are_each_matched_with_their_own_ACK(uint first, uint second, bool owedAfterFirstAck, bool owedAfterSecondAck)
    {
        // The seam read both frames before Kestrel acknowledged either: the first ACK is the first frame's.
        var writer = new EarlyHintsOutputWriter(new Pipe().Writer, Settings(first, second));
        await WriteSplitAsync(writer, ServerSettings, 1);
        await WriteSplitAsync(writer, SettingsAck, 1);
        writer.SizeUpdateOwed.Should().Be(owedAfterFirstAck);
        await WriteSplitAsync(writer, TestFrames.Frame(0x1, 0x5, 1, owedAfterFirstAck ? [0x20, 0x88] : [0x88]), 2);
        await WriteSplitAsync(writer, SettingsAck, 1);
        writer.SizeUpdateOwed.Should().Be(owedAfterSecondAck);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(4096u)]
    [InlineData(65536u)]
    public async Task SETTINGS_that_do_not_lower_the_header_table_never_hold_a_hint(uint? size)
    {
        // Browsers announce 65536 in their preface: their first 103 must not wait.
        var writer = new EarlyHintsOutputWriter(new Pipe().Writer, Settings(size));
        await WriteSplitAsync(writer, ServerSettings, 1);
        await WriteSplitAsync(writer, SettingsAck, 1);
        writer.SizeUpdateOwed.Should().BeFalse();
        (await writer.WriteAsync(Hint(1), default)).IsWritten.Should().BeTrue();
    }

    [Fact]
    public async Task An_ACK_for_a_SETTINGS_frame_the_seam_did_not_see_is_treated_as_a_size_change()
    {
        var writer = new EarlyHintsOutputWriter(new Pipe().Writer, Settings());
        await WriteSplitAsync(writer, ServerSettings, 1);
        await WriteSplitAsync(writer, SettingsAck, 1);
        writer.SizeUpdateOwed.Should().BeTrue("unknown means assume the worst");
    }

    [Fact]
    public async Task Client_that_stops_reading_makes_the_call_end_with_Timeout()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32));
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        await WriteSplitAsync(writer, ServerSettings, 1);
        // Nobody reads: Kestrel's big write is stuck in flush, the hint can never get a safe point.
        var kestrelFlush = WriteSplitAsync(writer, TestFrames.Frame(0x0, 0, 3, new byte[1000]), 2);

        var result = await writer.WriteAsync(Hint(1, timeout: TimeSpan.FromMilliseconds(200)), default);

        result.Status.Should().Be(InformationalResponseStatus.Timeout);
        writer.QueuedCount.Should().Be(0);
        await pipe.Reader.CompleteAsync();
        await kestrelFlush;
    }

    [Fact]
    public async Task Transport_writer_completed_underneath_reports_ConnectionClosed_instead_of_throwing()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        await pipe.Writer.CompleteAsync();

        (await writer.WriteAsync(Hint(0), default)).Status.Should().Be(InformationalResponseStatus.ConnectionClosed);
        (await writer.WriteAsync(Hint(0), default)).Status.Should().Be(InformationalResponseStatus.ConnectionClosed);
    }

    [Fact]
    public async Task Request_abort_ends_a_queued_hint()
    {
        var writer = new EarlyHintsOutputWriter(new Pipe().Writer, null);
        writer.GetSpan(10);
        using var aborted = new CancellationTokenSource();
        var pending = writer.WriteAsync(Hint(0, aborted: aborted.Token), default);
        await aborted.CancelAsync();
        (await pending).Status.Should().Be(InformationalResponseStatus.StreamReset);
    }

    [Fact]
    public async Task Client_RST_STREAM_seen_as_Kestrel_output_RST_ends_a_queued_hint()
    {
        var writer = new EarlyHintsOutputWriter(new Pipe().Writer, null);
        await WriteSplitAsync(writer, ServerSettings, 1);
        writer.GetSpan(10);
        var pending = writer.WriteAsync(Hint(1), default);
        await WriteSplitAsync(writer, TestFrames.Frame(0x3, 0, 1, [0, 0, 0, 8]), 2);
        (await pending).Status.Should().Be(InformationalResponseStatus.StreamReset);
    }

    [Fact]
    public async Task Client_RST_STREAM_read_on_input_drops_the_queued_hint_and_any_later_one_for_that_stream()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        await WriteSplitAsync(writer, ServerSettings, 1);
        writer.GetSpan(10);
        var queued = writer.WriteAsync(Hint(1), default);

        // The seam read the client's RST_STREAM for stream 1; Kestrel has not acted on it yet.
        writer.OnClientReset(1);

        (await queued).Status.Should().Be(InformationalResponseStatus.StreamReset);
        writer.Advance(0);
        await writer.FlushAsync();
        (await writer.WriteAsync(Hint(1), default)).Status.Should().Be(InformationalResponseStatus.StreamReset);
        (await writer.WriteAsync(Hint(3), default)).IsWritten.Should().BeTrue("other streams are not affected");
        await writer.CompleteAsync();
        TestFrames.Parse(await ReadAllAsync(pipe)).Where(f => f.Type == 0x1).Select(f => f.StreamId).Should().Equal(3);
    }

    [Fact]
    public async Task Connection_close_ends_queued_hints_and_later_calls()
    {
        var writer = new EarlyHintsOutputWriter(new Pipe().Writer, null);
        writer.GetSpan(10);
        var pending = writer.WriteAsync(Hint(0), default);
        await writer.CompleteAsync();
        (await pending).Status.Should().Be(InformationalResponseStatus.ConnectionClosed);
        (await writer.WriteAsync(Hint(0), default)).Status.Should().Be(InformationalResponseStatus.ConnectionClosed);
    }

    [Fact]
    public async Task Kestrel_writes_during_our_scheduled_flush_are_staged_and_keep_their_order()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        var flushes = new List<IThreadPoolWorkItem>();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null, scheduleFlush: flushes.Add);
        OpenStreams(writer, 2);
        var settingsFlush = WriteSplitAsync(writer, ServerSettings, 1);
        var first = pipe.Reader.ReadAsync().AsTask();
        (await first).Buffer.Length.Should().Be(ServerSettings.Length);
        pipe.Reader.AdvanceTo((await first).Buffer.End);
        await settingsFlush;

        // The 103 is in the transport at once; Kestrel has nothing coming, so the scheduled flush sends it. The 103 is
        // larger than the pause threshold, so that flush stays in flight until the reader reads.
        (await writer.WriteAsync(Hint(1), default)).IsWritten.Should().BeTrue();
        flushes.Should().ContainSingle();
        flushes[0].Execute();
        var data = TestFrames.Frame(0x0, 0x1, 3, Enumerable.Range(0, 300).Select(i => (byte)i).ToArray());
        var kestrel = WriteSplitAsync(writer, data, 5);

        var reading = ReadAllAsync(pipe);
        await kestrel;
        await writer.CompleteAsync();
        var frames = TestFrames.Parse(await reading);
        frames.Select(f => (f.Type, f.StreamId)).Should().Equal((0x1, 1), (0x0, 3));
        frames[1].Payload.Should().Equal(data[9..]);
    }

    [Fact]
    public async Task Hint_written_at_idle_goes_out_with_Kestrels_next_flush_and_the_scheduled_flush_then_does_nothing()
    {
        var (pipe, inner, flushes, writer) = await StartWithManualFlushAsync(openStreams: 2);
        var settings = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(settings.Buffer.End);

        (await writer.WriteAsync(Hint(1), default)).IsWritten.Should().BeTrue("the 103 is in the transport, ahead of the response");
        writer.FlushScheduled.Should().BeTrue();
        pipe.Reader.TryRead(out _).Should().BeFalse("nothing was flushed yet");

        // The hint's own response, as Kestrel writes it: HEADERS, then DATA with END_STREAM, one flush.
        await WriteSplitAsync(writer, [.. TestFrames.Frame(0x1, 0x4, 1, [0x88]), .. TestFrames.Frame(0x0, 0x1, 1, new byte[20])], 3);
        inner.Flushes.Should().Be(2, "SETTINGS, then the response with the 103 ahead of it");
        writer.OpenStreams.Should().Be(1, "stream 1 ended");
        flushes.Single().Execute();
        writer.FlushScheduled.Should().BeFalse();
        inner.Flushes.Should().Be(2, "Kestrel's flush carried the 103: no flush of our own");

        var frames = TestFrames.Parse((await pipe.Reader.ReadAsync()).Buffer.ToArray());
        frames.Select(f => (f.Type, f.Flags, f.StreamId)).Should().Equal((0x1, 0x4, 1), (0x1, 0x4, 1), (0x0, 0x1, 1));
        frames[0].Payload.Take(5).Should().Equal(0x08, 0x03, (byte)'1', (byte)'0', (byte)'3');
    }

    [Fact]
    public async Task Several_hints_before_the_scheduled_flush_share_one_flush_in_call_order()
    {
        var (pipe, inner, flushes, writer) = await StartWithManualFlushAsync(openStreams: 2);

        foreach (var stream in new[] { 1, 3, 5 })
        {
            (await writer.WriteAsync(Hint(stream), default)).IsWritten.Should().BeTrue();
        }

        flushes.Should().ContainSingle("one flush is scheduled for all of them");
        flushes[0].Execute();
        inner.Flushes.Should().Be(2);
        await writer.CompleteAsync();
        TestFrames.Parse(await ReadAllAsync(pipe)).Where(f => f.Type == 0x1).Select(f => f.StreamId).Should().Equal(1, 3, 5);
    }

    [Fact]
    public async Task Scheduled_flush_that_finds_Kestrel_writing_leaves_the_103_to_Kestrels_flush()
    {
        var (pipe, inner, flushes, writer) = await StartWithManualFlushAsync(openStreams: 2);
        (await writer.WriteAsync(Hint(1), default)).IsWritten.Should().BeTrue();

        // Kestrel starts another stream's frame before the scheduled flush runs: no flush may run now, and none is needed.
        var data = TestFrames.Frame(0x0, 0, 3, new byte[100]);
        await WriteSplitAsync(writer, data[..40], 2, flush: false);
        flushes.Single().Execute();
        inner.Flushes.Should().Be(1, "Kestrel holds memory: its own flush will carry the 103");
        await WriteSplitAsync(writer, data[40..], 2);
        inner.Flushes.Should().Be(2);

        await writer.CompleteAsync();
        TestFrames.Parse(await ReadAllAsync(pipe)).Select(f => (f.Type, f.StreamId)).Should().Equal((0x4, 0), (0x1, 1), (0x0, 3));
    }

    [Fact]
    public async Task Connection_that_closes_with_a_103_not_yet_flushed_still_sends_it_before_Kestrels_last_bytes()
    {
        var (pipe, inner, flushes, writer) = await StartWithManualFlushAsync(openStreams: 2);
        (await writer.WriteAsync(Hint(1), default)).IsWritten.Should().BeTrue();

        // Kestrel writes its GOAWAY and completes the writer before the scheduled flush ran.
        await WriteSplitAsync(writer, TestFrames.Frame(0x7, 0, 0, new byte[8]), 2, flush: false);
        writer.Complete();
        flushes.Single().Execute();
        inner.Flushes.Should().Be(1, "the scheduled flush does not touch a completed writer");
        (await writer.WriteAsync(Hint(3), default)).Status.Should().Be(InformationalResponseStatus.ConnectionClosed);

        TestFrames.Parse(await ReadAllAsync(pipe)).Select(f => (f.Type, f.StreamId)).Should().Equal((0x4, 0), (0x1, 1), (0x7, 0));
    }

    [Fact]
    public async Task Hint_while_other_streams_are_open_reaches_the_reader_without_further_writes_through_the_thread_pool_flush()
    {
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        OpenStreams(writer, 2);
        await WriteSplitAsync(writer, ServerSettings, 1);
        var settings = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(settings.Buffer.End);

        (await writer.WriteAsync(Hint(1), default)).IsWritten.Should().BeTrue();

        var read = await pipe.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        TestFrames.Parse(read.Buffer.ToArray()).Should().ContainSingle().Which.StreamId.Should().Be(1);
        pipe.Reader.AdvanceTo(read.Buffer.End);
        await writer.CompleteAsync();
    }

    [Fact]
    public async Task Hint_on_the_only_open_stream_is_flushed_at_once_without_a_scheduled_flush()
    {
        // A navigation, or a connection at idle: nothing else will flush soon, so the 103 must not wait for anything.
        var (pipe, inner, flushes, writer) = await StartWithManualFlushAsync(openStreams: 1);
        var settings = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(settings.Buffer.End);

        (await writer.WriteAsync(Hint(1), default)).IsWritten.Should().BeTrue();

        flushes.Should().BeEmpty();
        inner.Flushes.Should().Be(2);
        pipe.Reader.TryRead(out var read).Should().BeTrue("the 103 was flushed by the call");
        TestFrames.Parse(read.Buffer.ToArray()).Should().ContainSingle().Which.StreamId.Should().Be(1);
        pipe.Reader.AdvanceTo(read.Buffer.End);
        await writer.CompleteAsync();
    }

    /// <summary>
    /// A writer past the server's SETTINGS, with <paramref name="openStreams"/> client streams open, whose scheduled
    /// flushes the test runs by hand (<c>Flushes</c>) and whose inner writer counts flushes.
    /// </summary>
    private static async Task<(Pipe Pipe, FlushCountingWriter Inner, List<IThreadPoolWorkItem> Flushes, EarlyHintsOutputWriter Writer)> StartWithManualFlushAsync(int openStreams)
    {
        var pipe = new Pipe();
        var inner = new FlushCountingWriter(pipe.Writer);
        var flushes = new List<IThreadPoolWorkItem>();
        var writer = new EarlyHintsOutputWriter(inner, null, scheduleFlush: flushes.Add);
        OpenStreams(writer, openStreams);
        await WriteSplitAsync(writer, ServerSettings, 1);
        return (pipe, inner, flushes, writer);
    }

    private static void OpenStreams(EarlyHintsOutputWriter writer, int count)
    {
        // What the input side reports for each client HEADERS that opens a stream.
        for (var i = 0; i < count; i++)
        {
            writer.OnClientStreamOpened();
        }
    }

    /// <summary>Forwards to a pipe's writer and counts the flushes that reach it.</summary>
    private sealed class FlushCountingWriter(PipeWriter inner) : PipeWriter
    {
        private int _flushes;

        public int Flushes => Volatile.Read(ref _flushes);

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _flushes);
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }

    [Fact]
    public async Task Concurrent_hints_and_Kestrel_like_writes_never_tear_a_frame()
    {
        // Replays Kestrel's pattern (frames across several Advance calls, header blocks split in
        // HEADERS+CONTINUATION, flush per frame group) while other threads send hints.
        var pipe = new Pipe();
        var writer = new EarlyHintsOutputWriter(pipe.Writer, null);
        var reading = ReadAllAsync(pipe);
        await WriteSplitAsync(writer, ServerSettings, 1);
        using var stop = new CancellationTokenSource();
        var sent = 0;
        var senders = Enumerable.Range(0, 3).Select(t => Task.Run(async () =>
        {
            var stream = 1001 + (t * 2);
            while (!stop.IsCancellationRequested)
            {
                if ((await writer.WriteAsync(Hint(stream), default)).IsWritten)
                {
                    Interlocked.Increment(ref sent);
                }
            }
        })).ToArray();

        var random = new Random(42);

        // At least 3000 writes, and on until a sender got a hint in (on a loaded machine the senders may start late).
        for (var i = 0; i < 3000 || (Volatile.Read(ref sent) == 0 && i < 1_000_000); i++)
        {
            var stream = 1 + (2 * (i % 50));
            if (i % 7 == 0)
            {
                await WriteSplitAsync(writer, TestFrames.Frame(0x1, 0x0, stream, new byte[random.Next(1, 40)]), random.Next(1, 4), flush: false);
                await WriteSplitAsync(writer, TestFrames.Frame(0x9, 0x4, stream, new byte[random.Next(1, 40)]), random.Next(1, 4));
            }
            else
            {
                await WriteSplitAsync(writer, TestFrames.Frame(0x0, 0, stream, new byte[random.Next(0, 3000)]), random.Next(1, 6), flush: i % 3 == 0);
            }
        }

        await writer.FlushAsync();
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        await writer.CompleteAsync();

        var frames = TestFrames.Parse(await reading);
        sent.Should().BeGreaterThan(0);
        var hints = frames.Where(f => f.StreamId > 1000).ToList();
        hints.Should().HaveCount(sent).And.OnlyContain(f => f.Type == 0x1 && f.Flags == 0x4);
        for (var i = 0; i < frames.Count; i++)
        {
            if (frames[i].StreamId > 1000)
            {
                var previous = frames[i - 1];
                (previous.Type == 0x1 && (previous.Flags & 0x4) == 0).Should().BeFalse("a hint must not follow a HEADERS without END_HEADERS");
            }
        }
    }
}

public class EarlyHintsOutputWriterFlushTests
{
    [Fact]
    public async Task A_completed_pooled_inner_flush_is_consumed_exactly_once()
    {
        // Kestrel over TLS writes to a StreamPipeWriter whose FlushAsync may return a ValueTask backed by a
        // pooled IValueTaskSource; reading it and then handing the same ValueTask to Kestrel broke HTTP/1.1
        // connections under load.
        var inner = new SingleUseFlushWriter();
        var writer = new EarlyHintsOutputWriter(inner, null);
        writer.GetSpan(1)[0] = (byte)'H';
        writer.Advance(1);

        var result = await writer.FlushAsync(TestContext.Current.CancellationToken);

        result.IsCompleted.Should().BeFalse();
        inner.GetResultCalls.Should().Be(1);
    }

    private sealed class SingleUseFlushWriter : System.IO.Pipelines.PipeWriter, System.Threading.Tasks.Sources.IValueTaskSource<System.IO.Pipelines.FlushResult>
    {
        private System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore<System.IO.Pipelines.FlushResult> _core;
        private readonly byte[] _buffer = new byte[4096];

        public int GetResultCalls { get; private set; }

        public override void Advance(int bytes)
        {
        }

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<System.IO.Pipelines.FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            _core.Reset();
            _core.SetResult(default);
            return new ValueTask<System.IO.Pipelines.FlushResult>(this, _core.Version);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer;

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer;

        public System.IO.Pipelines.FlushResult GetResult(short token)
        {
            GetResultCalls++;
            var result = _core.GetResult(token);
            _core.Reset(); // back to the pool: a second GetResult with the old token throws
            return result;
        }

        public System.Threading.Tasks.Sources.ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, System.Threading.Tasks.Sources.ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }
}
