// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using FluentAssertions;
using Http2Features.Tests.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Http2Features.Tests.Connection;

/// <summary>
/// Kestrel's HTTP/1.1 chunked framing, which the HTTP/1.1 trailer writer (Http1ChunkedTrailerTracker) follows byte by
/// byte. Internals, not contracts: a failure here means a Kestrel update changed them and the tracker must be revisited.
/// Bare Kestrel (no pack), cleartext, with a recorder as the transport's output writer.
/// </summary>
public class KestrelChunkedFramingPinningTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private sealed class RecordingWriter(PipeWriter inner) : RecordingPipeWriter(inner)
    {
        public ConcurrentQueue<(string Op, byte[] Bytes)> Ops { get; } = new();

        protected override void OnGetMemory() => Ops.Enqueue(("GetMemory", []));

        protected override void OnAdvance(ReadOnlySpan<byte> written) => Ops.Enqueue(("Advance", written.ToArray()));

        protected override void OnFlush() => Ops.Enqueue(("Flush", []));
    }

    [Fact]
    public async Task Kestrel_auto_chunks_without_extensions_and_flushes_right_after_its_last_chunk()
    {
        var recorders = new ConcurrentQueue<RecordingWriter>();
        var big = new string('z', 300);
        await using var host = await KestrelTestHost.StartAsync(
            new KestrelTestHostOptions
            {
                Tls = false,
                Protocols = HttpProtocols.Http1,
                AfterTls = lo => lo.Use(next => context =>
                {
                    recorders.Enqueue(RecordingPipeWriter.Install(context, inner => new RecordingWriter(inner)));
                    return next(context);
                }),
            },
            app =>
            {
                app.MapGet("/write", async (HttpResponse response) =>
                {
                    await response.WriteAsync("hello");
                    await response.WriteAsync(big);
                });
                app.MapGet("/bodywriter", async (HttpResponse response) =>
                {
                    // GetMemory/Advance: Kestrel reserves the chunk prefix in front of the app's memory and finishes the chunk later.
                    var memory = response.BodyWriter.GetMemory(300);
                    Encoding.ASCII.GetBytes(new string('y', 300), memory.Span);
                    response.BodyWriter.Advance(300);
                    await Task.CompletedTask;
                });
                app.MapGet("/empty-started", async (HttpResponse response) => await response.StartAsync());
            });
        var address = host.BaseAddress;

        await using var client = await RawHttp1Client.ConnectAsync(address);
        await client.SendAsync(RawHttp1Client.Get("/write") + RawHttp1Client.Get("/bodywriter") + RawHttp1Client.Get("/empty-started"));
        var write = await client.ReadResponseAsync(Timeout);
        var bodyWriter = await client.ReadResponseAsync(Timeout);
        var empty = await client.ReadResponseAsync(Timeout);

        // Exact framing: lower-case hex size, no extensions, CRLF after the data, "0\r\n\r\n" at the end.
        Encoding.ASCII.GetString(write.Raw).Should().Contain("\r\nTransfer-Encoding: chunked\r\n")
            .And.EndWith($"\r\n\r\n5\r\nhello\r\n12c\r\n{big}\r\n0\r\n\r\n");
        Encoding.ASCII.GetString(bodyWriter.Raw).Should().EndWith($"\r\n\r\n12c\r\n{new string('y', 300)}\r\n0\r\n\r\n");
        Encoding.ASCII.GetString(empty.Raw).Should().EndWith("\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "a started response without a body is chunked, so its last chunk can carry trailers");

        // The Advance that commits the last chunk ends with it and is followed by a flush: Kestrel never writes into
        // that span again, which is what lets the writer put the trailer fields right after "0\r\n".
        recorders.Should().ContainSingle();
        var ops = recorders.Single().Ops.ToArray();
        var lastChunks = Enumerable.Range(0, ops.Length).Where(i => IsLastChunk(ops[i])).ToArray();
        lastChunks.Should().HaveCount(3);
        foreach (var i in lastChunks)
        {
            ops[i + 1].Op.Should().Be("Flush", $"op {i} committed a last chunk; Kestrel must flush next, got {ops[i + 1].Op}");
        }
    }

    // An Advance whose bytes end with a last chunk: the terminator alone, or after a chunk's data.
    private static bool IsLastChunk((string Op, byte[] Bytes) op) =>
        op.Op == "Advance" && (op.Bytes.AsSpan().SequenceEqual("0\r\n\r\n"u8) || op.Bytes.AsSpan().EndsWith("\r\n0\r\n\r\n"u8));
}
