using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Http2Features.Connection;
using Http2Features.EarlyHints;
using Http2Features.Testing;
using Http2Features.Tests.Priority;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Connection;

/// <summary>Runs alone: the assertions read the whole process's managed heap.</summary>
[CollectionDefinition(nameof(BoundedMemoryRunsAlone), DisableParallelization = true)]
public sealed class BoundedMemoryRunsAlone;

/// <summary>
/// Hostile volumes against one server: the seam's per-connection state and the process's managed heap stay within
/// documented bounds (docs/performance.md, "Bounded memory"), every pending hint ends, and nothing of a connection
/// survives its close.
/// </summary>
[Collection(nameof(BoundedMemoryRunsAlone))]
public class BoundedMemoryTests
{
    /// <summary>Managed heap growth allowed while a million priority frames flow (a leak of 17 bytes per frame fails).</summary>
    private const long PriorityHeapBound = 16L * 1024 * 1024; // measured ~1.5 MB

    /// <summary>Managed heap growth allowed with 10,000 requests pending on hints (Kestrel's per-stream state included).</summary>
    private const long PendingHintsHeapBound = 128L * 1024 * 1024; // measured ~55 MB

    /// <summary>Managed heap allowed to remain once those connections closed.</summary>
    private const long AfterCloseHeapBound = 16L * 1024 * 1024;

    [Fact]
    public async Task Million_PRIORITY_and_PRIORITY_UPDATE_frames_keep_the_seam_state_and_the_heap_bounded()
    {
        await using var app = await PriorityTestApp.StartAsync();
        await using var client = await app.CreateRawClientAsync();
        var ct = TestContext.Current.CancellationToken;
        (await client.GetAsync("/", ct)).Status.Should().Be(200);
        var baseline = Heap();

        const int Frames = 1_000_000;
        const int PairsPerWrite = 10_000;
        const int PairLength = 14 + 19; // PRIORITY (9 + 5) + PRIORITY_UPDATE (9 + 4 + "u=1, i")
        var batch = new byte[PairsPerWrite * PairLength];
        for (var sent = 0; sent < Frames; sent += 2 * PairsPerWrite)
        {
            for (var i = 0; i < PairsPerWrite; i++)
            {
                var idle = 1001 + (2 * ((sent / 2) + i)); // every frame names a different idle stream
                var pair = batch.AsSpan(i * PairLength, PairLength);
                WriteHeader(pair, 5, 0x2, idle);
                BinaryPrimitives.WriteInt32BigEndian(pair[9..], 0);
                pair[13] = 15;
                WriteHeader(pair[14..], 10, 0x10, 0);
                BinaryPrimitives.WriteInt32BigEndian(pair[23..], idle);
                "u=1, i"u8.CopyTo(pair[27..]);
            }

            await client.WriteRawAsync(batch, ct);
        }

        var table = (await client.GetAsync("/table", ct)).BodyText.Split('/').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var growth = Heap() - baseline;

        // The connection still serves, and a PRIORITY_UPDATE sent now still reaches its request.
        var next = client.NextStreamId;
        await client.SendPriorityUpdateAsync(next, "u=0", ct);
        var stream = await client.SendRequestAsync(new RawHttp2Request { Path = "/" }, ct);
        stream.StreamId.Should().Be(next);
        var response = await stream.ReadResponseAsync(TimeSpan.FromSeconds(20), ct);

        table[0].Should().BeLessThanOrEqualTo(table[1], "the table never grows past its maximum");
        table[1].Should().BeLessThanOrEqualTo(8 * 100, "the maximum is a small multiple of MaxStreamsPerConnection (100)");
        table[2].Should().BeGreaterThanOrEqualTo(Frames, "every PRIORITY and PRIORITY_UPDATE frame was observed");
        growth.Should().BeLessThan(PriorityHeapBound, "a million frames must not leave per-frame state behind");
        response.BodyText.Should().EndWith("|0|False|True", "urgency 0 from the PRIORITY_UPDATE: " + response.BodyText);
        TestContext.Current.TestOutputHelper?.WriteLine($"table {string.Join('/', table)}, heap growth {growth / 1024} KiB");
    }

    [Fact]
    public async Task Ten_thousand_hints_to_clients_that_stopped_reading_all_end_and_leave_nothing_after_close()
    {
        const int Connections = 10;
        const int HintsPerConnection = 1000;
        var ct = TestContext.Current.CancellationToken;
        var results = new ConcurrentQueue<EarlyHintsStatus>();
        var seams = new ConcurrentDictionary<string, WeakReference>();
        var floods = new CountdownEvent(Connections);

        var app = await Http2TestApp.StartAsync(
            a =>
            {
                a.MapGet("/flood", async (HttpContext context) =>
                {
                    var seam = context.Features.Get<IConnectionSeam>() ?? throw new InvalidOperationException("no connection seam");
                    seams.TryAdd(context.Connection.Id, new WeakReference(seam));
                    var chunk = new byte[64 * 1024];
                    floods.Signal();
                    try
                    {
                        for (var i = 0; i < 1024 && !context.RequestAborted.IsCancellationRequested; i++)
                        {
                            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
                a.MapGet("/hint", async (HttpContext context) =>
                {
                    var result = await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/s.css", "style"));
                    results.Enqueue(result.Status);
                });
            },
            b =>
            {
                b.Services.AddHttp2Features(o => o.EarlyHints.WriteTimeout = TimeSpan.FromSeconds(2));
                b.WebHost.ConfigureKestrel(k => k.Limits.Http2.MaxStreamsPerConnection = HintsPerConnection + 1);

                // A small, fixed send buffer (inherited by accepted sockets) so that a client that stops reading
                // stalls the server's output after ~100 KB instead of after the kernel's autotuned megabytes.
                b.WebHost.UseSockets(o => o.CreateBoundListenSocket = endpoint =>
                {
                    var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                    socket.SendBufferSize = 16 * 1024;
                    return socket;
                });
            },
            new Http2TestAppOptions { Tls = false, ConfigureListenOptions = listen => listen.UseHttp2Features() });
        try
        {
            var baseline = Heap();
            var clients = new List<TcpClient>();
            for (var c = 0; c < Connections; c++)
            {
                var tcp = new TcpClient { ReceiveBufferSize = 16 * 1024 };
                await tcp.ConnectAsync("127.0.0.1", app.BaseAddress.Port, ct);
                clients.Add(tcp);

                // Preface, SETTINGS (INITIAL_WINDOW_SIZE = 2^31-1) and a connection WINDOW_UPDATE: flow control never
                // stops Kestrel, only the socket does, because this client never reads.
                byte[] start = [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, .. TestFrames.Frame(0x4, 0, 0, [0x00, 0x04, 0x7F, 0xFF, 0xFF, 0xFF]),
                    .. TestFrames.Frame(0x8, 0, 0, [0x7F, 0xFF, 0x00, 0x00]), .. Request(1, "/flood")];
                await tcp.GetStream().WriteAsync(start, ct);
            }

            floods.Wait(TimeSpan.FromSeconds(20), ct).Should().BeTrue("every flood started");
            await Task.Delay(500, ct); // let the socket buffers fill up

            foreach (var tcp in clients)
            {
                var requests = new List<byte>();
                for (var i = 0; i < HintsPerConnection; i++)
                {
                    requests.AddRange(Request(3 + (2 * i), "/hint"));
                }

                await tcp.GetStream().WriteAsync(requests.ToArray(), ct);
            }

            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (results.Count < Connections * HintsPerConnection && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }

            var pendingGrowth = Heap() - baseline;
            results.Should().HaveCount(Connections * HintsPerConnection, "every hint's Task ended (timeout or abort)");
            results.Distinct().Should().BeSubsetOf([EarlyHintsStatus.Timeout, EarlyHintsStatus.ConnectionClosed, EarlyHintsStatus.RequestAborted]);
            pendingGrowth.Should().BeLessThan(PendingHintsHeapBound);

            foreach (var tcp in clients)
            {
                tcp.Client.LingerState = new LingerOption(true, 0); // RST: the server's stalled writes fail at once
                tcp.Dispose();
            }

            // Nothing of the closed connections survives: their seam state is collected and the heap is back near the baseline.
            seams.Should().HaveCount(Connections, "every flood captured its connection's seam state");
            deadline = DateTime.UtcNow.AddSeconds(20);
            long afterClose;
            do
            {
                await Task.Delay(200, ct);
                afterClose = Heap() - baseline;
            }
            while ((seams.Values.Any(w => w.IsAlive) || afterClose > AfterCloseHeapBound) && DateTime.UtcNow < deadline);

            seams.Values.Count(w => w.IsAlive).Should().Be(0, "every connection's seam state is collected after close");
            afterClose.Should().BeLessThan(AfterCloseHeapBound);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{results.Count} hints ({string.Join(", ", results.GroupBy(r => r).Select(g => $"{g.Key} {g.Count()}"))}), heap growth pending {pendingGrowth / 1024} KiB, after close {afterClose / 1024} KiB");
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void WriteHeader(Span<byte> destination, int length, byte type, int streamId)
    {
        destination[0] = 0;
        destination[1] = 0;
        destination[2] = (byte)length;
        destination[3] = type;
        destination[4] = 0;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], streamId);
    }

    private static byte[] Request(int streamId, string path)
    {
        // HPACK: :method GET (static 2), :scheme http (static 6), :path and :authority as literals without indexing.
        var block = new List<byte> { 0x82, 0x86, 0x04, (byte)path.Length };
        block.AddRange(Encoding.ASCII.GetBytes(path));
        block.AddRange([0x01, 9]);
        block.AddRange("127.0.0.1"u8.ToArray());
        return TestFrames.Frame(0x1, 0x5, streamId, block.ToArray());
    }
}
