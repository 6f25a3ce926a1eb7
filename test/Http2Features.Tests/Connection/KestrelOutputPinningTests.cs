using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using FluentAssertions;
using Http2Features.Connection;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Connection;

/// <summary>
/// Kestrel behaviours the early hints writer relies on. They are internals, not contracts: each test
/// names the behaviour, and a failure means a Kestrel update changed it and the writer must be revisited.
/// </summary>
public class KestrelOutputPinningTests
{
    private sealed class Recorder
    {
        public ConcurrentQueue<RecordingWriter> Connections { get; } = new();
    }

    /// <summary>Sits between Kestrel and the seam, records every call Kestrel makes on the output.</summary>
    private sealed class RecordingWriter(PipeWriter inner) : RecordingPipeWriter(inner), IHttp2OutputFrameListener
    {
        private Http2OutputFrameTracker? _tracker;
        private bool _memoryFresh;
        private bool _flushedSinceMemory;

        public int AdvanceCalls { get; private set; }

        public int AdvancesEndingMidFrame { get; private set; }

        public int AdvancesWithoutFreshMemory { get; private set; }

        public int AdvancesAfterFlushWithoutFreshMemory { get; private set; }

        public List<string> FlushViolations { get; } = [];

        protected override void OnGetMemory()
        {
            _memoryFresh = true;
            _flushedSinceMemory = false;
        }

        protected override void OnAdvance(ReadOnlySpan<byte> written)
        {
            if (!_memoryFresh && written.Length > 0)
            {
                AdvancesWithoutFreshMemory++;
            }

            if (_flushedSinceMemory && written.Length > 0)
            {
                AdvancesAfterFlushWithoutFreshMemory++;
            }

            _memoryFresh = false;
            if (written.Length > 0)
            {
                _tracker ??= written[0] == (byte)'H' ? null : new Http2OutputFrameTracker(this);
                _tracker?.Observe(written);
                AdvanceCalls++;
                if (_tracker is { AtFrameBoundary: false })
                {
                    AdvancesEndingMidFrame++;
                }
            }
        }

        protected override void OnFlush()
        {
            _flushedSinceMemory = true;
            if (_tracker is { } tracker && (!tracker.AtFrameBoundary || tracker.InHeaderBlock))
            {
                FlushViolations.Add($"flush at offset {tracker.BytesObserved}: boundary={tracker.AtFrameBoundary} inHeaderBlock={tracker.InHeaderBlock}");
            }
        }

        void IHttp2OutputFrameListener.OnHeaders(int streamId, bool isInformational, bool endStream)
        {
        }

        void IHttp2OutputFrameListener.OnStreamEnded(int streamId, bool reset)
        {
        }

        void IHttp2OutputFrameListener.OnSettingsAck()
        {
        }

        void IHttp2OutputFrameListener.OnData(int streamId, int length, bool endStream)
        {
        }
    }

    private static Task<Http2TestApp> StartAsync(Recorder recorder, Action<WebApplication> map, bool tls = true) => Http2TestApp.StartAsync(
        map,
        builder => builder.Services.AddHttp2Features(),
        new Http2TestAppOptions
        {
            Tls = tls,
            ConfigureListenOptions = listen =>
            {
                listen.UseHttp2Features();
                listen.Use(next => context =>
                {
                    recorder.Connections.Enqueue(RecordingPipeWriter.Install(context, inner => new RecordingWriter(inner)));
                    return next(context);
                });
            },
        });

    private static void MapBig(WebApplication app) => app.MapGet("/big", async (HttpContext context) =>
    {
        context.Response.Headers["x-big"] = new string('h', 20 * 1024);
        await context.Response.Body.WriteAsync(new byte[300 * 1024]);
    });

    [Fact]
    public async Task Kestrel_HTTP2_never_flushes_mid_frame_or_inside_a_header_block_but_splits_frames_across_Advance_calls()
    {
        var recorder = new Recorder();
        await using var app = await StartAsync(recorder, MapBig);
        await using var client = await app.CreateRawClientAsync();

        for (var i = 0; i < 3; i++)
        {
            (await client.GetAsync("/big", TestContext.Current.CancellationToken)).Status.Should().Be(200);
        }

        var connection = recorder.Connections.Should().ContainSingle().Subject;
        connection.FlushViolations.Should().BeEmpty("the writer injects at Kestrel's flush only because Kestrel flushes at frame boundaries");
        connection.AdvancesEndingMidFrame.Should().BeGreaterThan(0, "Kestrel writes a frame header and its payload in separate Advance calls; this is why the writer tracks frames");
        connection.AdvancesAfterFlushWithoutFreshMemory.Should().Be(0, "the writer treats Kestrel's memory as retired at its flush");
    }

    [Fact]
    public async Task Kestrel_HTTP2_100_continue_is_the_fixed_block_08_03_100()
    {
        var recorder = new Recorder();
        await using var app = await StartAsync(recorder, a => a.MapPost("/upload", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            return await reader.ReadToEndAsync();
        }));
        await using var client = await app.CreateRawClientAsync();

        var request = new RawHttp2Request("POST", "/upload") { EndStream = false }.WithHeader("expect", "100-continue");
        var stream = await client.SendRequestAsync(request, TestContext.Current.CancellationToken);
        (await stream.WaitForInformationalAsync(1, TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)).Status.Should().Be(100);
        await stream.SendDataAsync("abc"u8.ToArray(), endStream: true, TestContext.Current.CancellationToken);
        (await stream.ReadResponseAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)).BodyText.Should().Be("abc");

        var frames = TestFrames.Parse(recorder.Connections.Single().Bytes);
        frames.Should().Contain(f => f.Type == 0x1 && f.StreamId == stream.StreamId && f.Flags == 0x4 && f.Payload.SequenceEqual(new byte[] { 0x08, 0x03, (byte)'1', (byte)'0', (byte)'0' }),
            "the output tracker recognises Kestrel's 100-continue by these exact bytes");
    }

    [Fact]
    public async Task Kestrel_puts_the_HPACK_size_update_first_in_its_first_header_block_after_the_SETTINGS_ACK()
    {
        var recorder = new Recorder();
        await using var app = await StartAsync(recorder, a => a.MapGet("/", () => "ok"));
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions { ClientSettings = new Http2Settings { HeaderTableSize = 0, EnablePush = 0 } });

        await client.GetAsync("/", TestContext.Current.CancellationToken);
        await client.GetAsync("/?second", TestContext.Current.CancellationToken);

        var frames = TestFrames.Parse(recorder.Connections.Single().Bytes);
        var ack = frames.FindIndex(f => f.Type == 0x4 && f.Flags == 0x1);
        var headers = frames.Select((f, i) => (Frame: f, Index: i)).Where(x => x.Frame.Type == 0x1).ToList();
        ack.Should().BeGreaterThan(-1);
        headers.Should().HaveCount(2);
        headers[0].Index.Should().BeGreaterThan(ack);
        headers[0].Frame.Payload[0].Should().Be(0x20, "min(client 0, server 4096) = 0 is announced at the start of the first block after the ACK");
        (headers[1].Frame.Payload[0] & 0xE0).Should().NotBe(0x20, "the update is sent once");
    }

    [Fact]
    public async Task Kestrel_HTTP11_never_writes_into_memory_obtained_before_its_last_flush()
    {
        var recorder = new Recorder();
        await using var app = await StartAsync(recorder, a => a.MapGet("/", async (HttpContext context) =>
        {
            // A chunked response: Kestrel writes the status line and headers, then each chunk's prefix, data and suffix.
            await context.Response.WriteAsync("first;");
            await context.Response.Body.FlushAsync();
            await context.Response.WriteAsync("second");
        }));

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", app.BaseAddress.Port, TestContext.Current.CancellationToken);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, TestContext.Current.CancellationToken);
        await tls.WriteAsync("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        using var response = new MemoryStream();
        await tls.CopyToAsync(response, TestContext.Current.CancellationToken);
        Encoding.ASCII.GetString(response.ToArray()).Should().StartWith("HTTP/1.1 200 OK");

        // The writer also copes with Kestrel committing twice into one span (BufferWriter.Commit, then more
        // writes into the rest of the span) — see EarlyHintsOutputWriterTests — which the prototype saw; what
        // it relies on is that memory is retired at Kestrel's flush.
        var connection = recorder.Connections.Single();
        connection.AdvanceCalls.Should().BeGreaterThan(2);
        connection.AdvancesAfterFlushWithoutFreshMemory.Should().Be(0, "the writer treats Kestrel's memory as retired at its flush");
    }
}
