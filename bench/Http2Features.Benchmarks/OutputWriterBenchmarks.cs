using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Http2Features.Connection;

namespace Http2Features.Benchmarks;

/// <summary>
/// What the seam's output side adds to a response that uses no feature (issue 18's "feature unused" cost): Kestrel's
/// output for a tiny HTTP/2 response — HEADERS (5 bytes of HPACK) and DATA with END_STREAM ("hello"), each written as
/// Kestrel does in two GetSpan/Advance pairs — then one flush, through <see cref="EarlyHintsOutputWriter"/> (frame
/// tracking, its lock, end-of-stream notification) against the same calls straight on the connection's pipe.
/// Expected allocation: 0 bytes for both.
/// </summary>
[MemoryDiagnoser]
public class OutputWriterBenchmarks
{
    private static readonly byte[] ServerSettings = [0, 0, 6, 0x4, 0, 0, 0, 0, 0, 0x00, 0x03, 0x00, 0x00, 0x00, 0x64];

    private readonly Pipe _barePipe = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly Pipe _seamPipe = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly byte[] _headers = new byte[9 + 5];
    private readonly byte[] _data = new byte[9 + 5];
    private EarlyHintsOutputWriter _writer = null!;
    private int _streamId = 1;

    [GlobalSetup]
    public void Setup()
    {
        _writer = new EarlyHintsOutputWriter(_seamPipe.Writer, null, streamOutput: new ConnectionSeamState());
        ServerSettings.CopyTo(_writer.GetSpan(ServerSettings.Length));
        _writer.Advance(ServerSettings.Length);
        _ = _writer.FlushAsync().AsTask().Result;
        Drain(_seamPipe);
        "hello"u8.CopyTo(_data.AsSpan(9));
        _headers[2] = 5;
        _headers[3] = 0x1;   // HEADERS
        _headers[4] = 0x4;   // END_HEADERS
        _headers[9] = 0x88;  // :status 200, then 4 bytes of other fields
        _data[2] = 5;
        _data[4] = 0x1;      // END_STREAM
    }

    /// <summary>Kestrel's calls on the connection's pipe itself (bare Kestrel).</summary>
    [Benchmark(Baseline = true)]
    public int Bare() => Respond(_barePipe.Writer, _barePipe);

    /// <summary>The same calls through the seam's output writer.</summary>
    [Benchmark]
    public int ThroughSeam() => Respond(_writer, _seamPipe);

    private int Respond(PipeWriter writer, Pipe pipe)
    {
        _streamId = _streamId > 1_000_000_000 ? 1 : _streamId + 2;
        SetStream(_headers, _streamId);
        SetStream(_data, _streamId);
        WriteInTwo(writer, _headers);
        WriteInTwo(writer, _data);
        var flush = writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("an unpaused pipe flushes synchronously");
        }

        return Drain(pipe);
    }

    private static void WriteInTwo(PipeWriter writer, byte[] frame)
    {
        frame.AsSpan(0, 9).CopyTo(writer.GetSpan(9));
        writer.Advance(9);
        frame.AsSpan(9).CopyTo(writer.GetSpan(frame.Length - 9));
        writer.Advance(frame.Length - 9);
    }

    private static void SetStream(byte[] frame, int streamId)
    {
        frame[5] = (byte)(streamId >> 24);
        frame[6] = (byte)(streamId >> 16);
        frame[7] = (byte)(streamId >> 8);
        frame[8] = (byte)streamId;
    }

    private static int Drain(Pipe pipe)
    {
        pipe.Reader.TryRead(out var result);
        var length = (int)result.Buffer.Length;
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return length;
    }
}
