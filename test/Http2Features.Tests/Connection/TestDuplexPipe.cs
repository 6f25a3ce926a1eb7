using System.IO.Pipelines;

namespace Http2Features.Tests.Connection;

/// <summary>A transport made of a reader and a writer, as a test or a connection middleware assembles one.</summary>
internal sealed class TestDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
