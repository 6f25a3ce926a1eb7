using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Http2Features.Connection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Http2Features.Benchmarks;

/// <summary>
/// The seam's input side when a read is pending (the connection waits for the client's next frames, the usual case):
/// 16 connections each have a read outstanding, then each one's next frame (a 17-byte PING) arrives and its read
/// completes. One op = the 16 reads. Bare: the pipes' own readers. Seam: the seam's observing reader over them. The
/// target is the allocation column: 0 B (a pooled async method allocated a box per read once the reads outstanding
/// outnumbered its pool).
/// </summary>
[MemoryDiagnoser]
public class ObservingReaderBenchmarks
{
    private const int Connections = 16;
    private static readonly byte[] Ping = [0, 0, 8, 0x6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly ValueTask<ReadResult>[] _reads = new ValueTask<ReadResult>[Connections];
    private (Pipe Pipe, PipeReader Reader)[] _bare = [];
    private (Pipe Pipe, PipeReader Reader)[] _seam = [];

    [GlobalSetup]
    public void Setup()
    {
        _bare = Enumerable.Range(0, Connections).Select(_ => Create(observed: false)).ToArray();
        _seam = Enumerable.Range(0, Connections).Select(_ => Create(observed: true)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public long Bare() => PendingReads(_bare);

    [Benchmark]
    public long Seam() => PendingReads(_seam);

    private static (Pipe, PipeReader) Create(bool observed)
    {
        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false));
        PipeReader reader = pipe.Reader;
        if (observed)
        {
            var layer = new SeamTransportLayer(new ConnectionSeamState(), afterTls: true);
            reader = new FrameObservingReader(pipe.Reader, new Http2FrameObserver(layer, sniff: false), layer, NullLogger.Instance);
        }

        Write(pipe, Preface);
        var preface = reader.ReadAsync().AsTask().Result;
        reader.AdvanceTo(preface.Buffer.End);
        return (pipe, reader);
    }

    private static void Write(Pipe pipe, byte[] bytes)
    {
        bytes.CopyTo(pipe.Writer.GetSpan(bytes.Length));
        pipe.Writer.Advance(bytes.Length);
        _ = pipe.Writer.FlushAsync().AsTask().Result;
    }

#pragma warning disable CA2012 // Each read is stored once and consumed once, after its completion is checked, as Kestrel's loops hold them.
    private long PendingReads((Pipe Pipe, PipeReader Reader)[] connections)
    {
        long seen = 0;
        for (var c = 0; c < connections.Length; c++)
        {
            _reads[c] = connections[c].Reader.ReadAsync();
        }

        for (var c = 0; c < connections.Length; c++)
        {
            Write(connections[c].Pipe, Ping);
            if (!_reads[c].IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("the flush completes the read inline");
            }

            var result = _reads[c].Result;
            seen += result.Buffer.Length;
            connections[c].Reader.AdvanceTo(result.Buffer.End);
        }

        return seen;
    }
#pragma warning restore CA2012
}
