using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Http2Features.Connection;
using Http2Features.EarlyHints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Benchmarks;

/// <summary>
/// A 103 from the handler's call to its bytes in the connection's output pipe (hint enqueue-to-bytes), without the
/// network: <c>SendEarlyHintsAsync</c> with the LoadApp's two preload links on an HTTP/2 request, through the seam's
/// output writer, onto a <see cref="Pipe"/> that is drained after every operation. <c>IdleThenKestrelFlush</c>: nothing
/// else is being written, so the 103 goes into the transport at once, and Kestrel's next frame (the response) is
/// flushed with it: the usual case under load. <c>IdleAlone</c>: the same, but Kestrel has nothing coming, so the
/// flush the writer scheduled runs (here inline, normally on the thread pool) and sends the 103 by itself.
/// <c>KestrelWriting</c>: Kestrel holds output memory when the hint is asked for (another stream's frame is being
/// written), so the 103 waits for Kestrel's flush and goes out with it. Baseline: Kestrel's own frame alone, written
/// and flushed the same way: <c>IdleThenKestrelFlush</c> minus it is what a hint adds.
/// </summary>
[MemoryDiagnoser]
public class EarlyHintsSendBenchmarks
{
    private static readonly byte[] ServerSettings = [0, 0, 6, 0x4, 0, 0, 0, 0, 0, 0x00, 0x03, 0x00, 0x00, 0x00, 0x64];

    // A DATA frame of 100 bytes on stream 3, as Kestrel would write for another response.
    private static readonly byte[] OtherStreamData = Frame(0x0, 3, 100);

    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly StreamIdFeature _streamId = new();
    private EarlyHintsOutputWriter _writer = null!;
    private DefaultHttpContext _context = null!;
    private ServiceProvider _services = null!;
    private EarlyHintLink[] _links = [];
    private IThreadPoolWorkItem? _scheduled;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddLogging().AddHttp2Features().BuildServiceProvider();
        var state = new ConnectionSeamState();
        state.SetProtocol(SeamProtocol.Http2);
        _writer = new EarlyHintsOutputWriter(_pipe.Writer, null, scheduleFlush: item => _scheduled = item);

        // Other streams are open (as under load), so a 103 at idle waits for Kestrel's next flush or the scheduled one.
        _writer.OnClientStreamOpened();
        _writer.OnClientStreamOpened();
        ServerSettings.CopyTo(_writer.GetSpan(ServerSettings.Length));
        _writer.Advance(ServerSettings.Length);
        _ = _writer.FlushAsync().AsTask().Result;
        Drain();

        _context = new DefaultHttpContext { RequestServices = _services };
        _context.Request.Protocol = "HTTP/2";
        _context.Request.Method = "GET";
        _context.Features.Set<IHttp2StreamIdFeature>(_streamId);
        _context.Features.Set<IConnectionSeam>(new Seam(state, _writer));
        _links = [EarlyHintLink.Preload("/style.css", "style"), EarlyHintLink.Preload("/app.js", "script")];
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>Kestrel's frame for another stream, written and flushed: what every output batch costs anyway.</summary>
    [Benchmark(Baseline = true)]
    public int KestrelFrameOnly()
    {
        WriteKestrelFrame(flush: true);
        return Drain();
    }

    /// <summary>A 103 on an idle connection, then Kestrel's next frame and flush: the 103 goes out with it.</summary>
    [Benchmark]
    public int IdleThenKestrelFlush()
    {
        SendIdleHint();
        WriteKestrelFrame(flush: true);
        RunScheduledFlush();
        return Drain();
    }

    /// <summary>A 103 on an idle connection with nothing else coming: the scheduled flush sends it alone.</summary>
    [Benchmark]
    public int IdleAlone()
    {
        SendIdleHint();
        RunScheduledFlush();
        return Drain();
    }

    private void SendIdleHint()
    {
        var sent = SendHint();
        if (!sent.IsCompletedSuccessfully || !sent.Result.IsSent)
        {
            throw new InvalidOperationException("an idle connection takes the 103 at once");
        }
    }

    private void RunScheduledFlush()
    {
        var scheduled = _scheduled ?? throw new InvalidOperationException("a hint written at idle schedules a flush");
        _scheduled = null;
        scheduled.Execute();
    }

    /// <summary>A 103 asked for while Kestrel writes another stream's frame: it goes out with Kestrel's flush.</summary>
    [Benchmark]
    public int KestrelWriting()
    {
        var memory = _writer.GetMemory(OtherStreamData.Length);
        var sent = SendHint();
        OtherStreamData.CopyTo(memory);
        _writer.Advance(OtherStreamData.Length);
        _ = _writer.FlushAsync().AsTask().Result;
        if (!sent.AsTask().Result.IsSent)
        {
            throw new InvalidOperationException("the 103 goes out with Kestrel's flush");
        }

        _scheduled = null; // (none: Kestrel's flush carried it)
        return Drain();
    }

    private ValueTask<EarlyHintsResult> SendHint()
    {
        _streamId.StreamId = _streamId.StreamId > 1_000_000_000 ? 1 : _streamId.StreamId + 2;
        _context.Features.Set<IHttpEarlyHintsFeature>(null);
        _context.Response.Headers.Clear();
        return _context.Response.SendEarlyHintsAsync(_links);
    }

    private void WriteKestrelFrame(bool flush)
    {
        OtherStreamData.CopyTo(_writer.GetSpan(OtherStreamData.Length));
        _writer.Advance(OtherStreamData.Length);
        if (flush)
        {
            _ = _writer.FlushAsync().AsTask().Result;
        }
    }

    private int Drain()
    {
        if (!_pipe.Reader.TryRead(out var result))
        {
            throw new InvalidOperationException("nothing was written");
        }

        var length = (int)result.Buffer.Length;
        _pipe.Reader.AdvanceTo(result.Buffer.End);
        return length;
    }

    private static byte[] Frame(byte type, int streamId, int length)
    {
        var frame = new byte[9 + length];
        frame[0] = (byte)(length >> 16);
        frame[1] = (byte)(length >> 8);
        frame[2] = (byte)length;
        frame[3] = type;
        frame[5] = (byte)(streamId >> 24);
        frame[6] = (byte)(streamId >> 16);
        frame[7] = (byte)(streamId >> 8);
        frame[8] = (byte)streamId;
        return frame;
    }

    private sealed class StreamIdFeature : IHttp2StreamIdFeature
    {
        public int StreamId { get; set; } = 1;
    }

    /// <summary>The connection's seam as the request sees it, its 103s going to the benchmark's writer.</summary>
    private sealed class Seam(ConnectionSeamState state, EarlyHintsOutputWriter writer) : IConnectionSeam
    {
        public SeamProtocol Protocol => state.Protocol;

        public bool IsHttp2 => state.IsHttp2;

        public IInformationalResponseWriter InformationalResponses => writer;

        public IHttp1ResponseTrailerPort Http1Trailers => state.Http1Trailers;

        public void Subscribe(IHttp2InputFrameObserver observer) => state.Subscribe(observer);

        public void Subscribe(IHttp2StreamOutputObserver observer) => state.Subscribe(observer);
    }
}
