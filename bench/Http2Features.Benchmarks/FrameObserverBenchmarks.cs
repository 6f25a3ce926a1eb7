using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Http2Features.Connection;

namespace Http2Features.Benchmarks;

/// <summary>
/// The seam's frame observer on realistic client frame mixes, in steady state (one connection already past
/// its preface). Reported per frame; the target is a few ns per frame and 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class FrameObserverBenchmarks
{
    private const int BrowserFrames = 135;
    private const int UploadFrames = 65;
    private const int PriorityHeavyFrames = 200;

    private (Http2FrameObserver Observer, byte[] Bytes) _browser;
    private (Http2FrameObserver Observer, byte[] Bytes) _upload;
    private (Http2FrameObserver Observer, byte[] Bytes) _priorityHeavy;

    [GlobalSetup]
    public void Setup()
    {
        // A page load: HEADERS with PRIORITY (Chrome) for 100 streams, a WINDOW_UPDATE every 4, a PRIORITY_UPDATE every 10.
        var browser = new List<byte[]>();
        for (var i = 0; i < 100; i++)
        {
            var id = 1 + (2 * i);
            browser.Add(Headers(id, priority: true, padded: false, blockLength: 48));
            if (i % 4 == 0)
            {
                browser.Add(Frame(0x8, 0, 0, new byte[4]));
            }

            if (i % 10 == 0)
            {
                browser.Add(PriorityUpdate(id, "u=1, i"));
            }
        }

        // A large request body: HEADERS then 64 DATA frames of 16 KiB (payloads skipped, not scanned).
        var upload = new List<byte[]> { Headers(1, priority: false, padded: false, blockLength: 60) };
        for (var i = 0; i < 64; i++)
        {
            upload.Add(Frame(0x0, 0, 1, new byte[16384]));
        }

        // Old Firefox-style trees: idle-stream PRIORITY frames and PADDED+PRIORITY HEADERS.
        var heavy = new List<byte[]>();
        for (var i = 0; i < 100; i++)
        {
            var id = 1 + (2 * i);
            heavy.Add(Frame(0x2, 0, id + 1000, Priority(0, 32)));
            heavy.Add(Headers(id, priority: true, padded: true, blockLength: 40));
        }

        _browser = Create(browser, BrowserFrames);
        _upload = Create(upload, UploadFrames);
        _priorityHeavy = Create(heavy, PriorityHeavyFrames);
    }

    /// <summary>Time per frame of a browser page load mix.</summary>
    [Benchmark(OperationsPerInvoke = BrowserFrames, Baseline = true)]
    public long Browser() => Observe(_browser);

    /// <summary>Time per frame of an upload (16 KiB DATA frames).</summary>
    [Benchmark(OperationsPerInvoke = UploadFrames)]
    public long Upload() => Observe(_upload);

    /// <summary>Time per frame of a PRIORITY-heavy mix.</summary>
    [Benchmark(OperationsPerInvoke = PriorityHeavyFrames)]
    public long PriorityHeavy() => Observe(_priorityHeavy);

    private static long Observe((Http2FrameObserver Observer, byte[] Bytes) mix)
    {
        mix.Observer.Observe(mix.Bytes);
        return mix.Observer.FramesObserved;
    }

    private static (Http2FrameObserver, byte[]) Create(List<byte[]> frames, int expectedFrames)
    {
        if (frames.Count != expectedFrames)
        {
            throw new InvalidOperationException($"mix has {frames.Count} frames, expected {expectedFrames}");
        }

        var bytes = frames.SelectMany(f => f).ToArray();
        var observer = new Http2FrameObserver(new SeamTransportLayer(new ConnectionSeamState(), afterTls: true), sniff: false);
        observer.Observe("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
        observer.Observe(bytes); // warm the priority table to its steady size
        return (observer, bytes);
    }

    private static byte[] Frame(byte type, byte flags, int streamId, byte[] payload)
    {
        var f = new byte[9 + payload.Length];
        f[0] = (byte)(payload.Length >> 16);
        f[1] = (byte)(payload.Length >> 8);
        f[2] = (byte)payload.Length;
        f[3] = type;
        f[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(5), streamId);
        payload.CopyTo(f, 9);
        return f;
    }

    private static byte[] Priority(int dependsOn, int weight)
    {
        var p = new byte[5];
        BinaryPrimitives.WriteInt32BigEndian(p, dependsOn);
        p[4] = (byte)(weight - 1);
        return p;
    }

    private static byte[] Headers(int id, bool priority, bool padded, int blockLength)
    {
        var payload = new List<byte>();
        byte flags = 0x5;
        if (padded)
        {
            flags |= 0x8;
            payload.Add(8);
        }

        if (priority)
        {
            flags |= 0x20;
            payload.AddRange(Priority(0, 220));
        }

        payload.AddRange(new byte[blockLength]);
        if (padded)
        {
            payload.AddRange(new byte[8]);
        }

        return Frame(0x1, flags, id, payload.ToArray());
    }

    private static byte[] PriorityUpdate(int id, string value)
    {
        var p = new byte[4 + value.Length];
        BinaryPrimitives.WriteInt32BigEndian(p, id);
        System.Text.Encoding.ASCII.GetBytes(value).CopyTo(p, 4);
        return Frame(0x10, 0, 0, p);
    }
}
