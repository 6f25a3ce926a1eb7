using System.Buffers;
using System.IO.Pipelines;
using FluentAssertions;
using Http2Features.Connection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Http2Features.Tests.Connection;

/// <summary>The seam pipe is transparent to Kestrel's shutdown path: cancellation and completion reach the inner pipes.</summary>
public class SeamPipeTests
{
    [Fact]
    public async Task CancelPendingRead_reaches_the_inner_reader()
    {
        var (seam, _, _) = Create();

        var read = seam.Input.ReadAsync(TestContext.Current.CancellationToken);
        read.IsCompleted.Should().BeFalse();
        seam.Input.CancelPendingRead();

        (await read.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).IsCanceled.Should().BeTrue();
    }

    [Fact]
    public async Task CancelPendingFlush_reaches_the_inner_writer()
    {
        var input = new Pipe();
        var output = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
        var seam = SeamDuplexPipe.ForUnknownTransport(new TestDuplexPipe(input.Reader, output.Writer), new ConnectionSeamState(), NullLogger.Instance);

        var flush = seam.Output.WriteAsync(new byte[16], TestContext.Current.CancellationToken);
        flush.IsCompleted.Should().BeFalse("the inner pipe is over its pause threshold");
        seam.Output.CancelPendingFlush();

        (await flush.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).IsCanceled.Should().BeTrue();
    }

    [Fact]
    public async Task Completing_the_seam_completes_the_inner_pipes()
    {
        var (seam, input, output) = Create();

        await seam.Input.CompleteAsync();
        await seam.Output.CompleteAsync();

        (await input.Writer.FlushAsync(TestContext.Current.CancellationToken)).IsCompleted.Should().BeTrue("the reader side was completed");
        (await output.Reader.ReadAsync(TestContext.Current.CancellationToken)).IsCompleted.Should().BeTrue("the writer side was completed");
    }

    [Fact]
    public async Task Bytes_pass_through_unchanged_in_both_directions()
    {
        var (seam, input, output) = Create();
        var request = FrameBytes.Concat(FrameBytes.Preface, FrameBytes.Settings((1, 100)), FrameBytes.Headers(1, (0, 10, true), padLength: 2));

        await input.Writer.WriteAsync(request, TestContext.Current.CancellationToken);
        var read = await seam.Input.ReadAsync(TestContext.Current.CancellationToken);
        var seen = read.Buffer.ToArray();
        seam.Input.AdvanceTo(read.Buffer.End);
        await seam.Output.WriteAsync("reply"u8.ToArray(), TestContext.Current.CancellationToken);
        var written = await output.Reader.ReadAsync(TestContext.Current.CancellationToken);

        seen.Should().Equal(request);
        written.Buffer.ToArray().Should().Equal("reply"u8.ToArray());
        seam.Layer.IsApplication.Should().BeTrue("the preface identified cleartext HTTP/2");
    }

    private static (SeamDuplexPipe Seam, Pipe Input, Pipe Output) Create()
    {
        var input = new Pipe();
        var output = new Pipe();
        var seam = SeamDuplexPipe.ForUnknownTransport(new TestDuplexPipe(input.Reader, output.Writer), new ConnectionSeamState(), NullLogger.Instance);
        return (seam, input, output);
    }
}
