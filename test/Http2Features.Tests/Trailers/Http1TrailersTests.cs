// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
#pragma warning disable CA5351 // the tests recompute content-md5 independently
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Http2Features;
using Http2Features.Testing;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Tests.Trailers;

/// <summary>HTTP/1.1 chunked responses carry the trailers in their last chunk, checked on the raw bytes.</summary>
public class Http1TrailersTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    internal static byte[] Body(int length)
    {
        var body = new byte[length];
        for (var i = 0; i < length; i++)
        {
            body[i] = (byte)('a' + (i % 26));
        }

        return body;
    }

    internal static void MapProducerEndpoints(WebApplication app)
    {
        app.MapGet("/size/{n:int}", async (int n, HttpResponse response) =>
        {
            var body = Body(n);
            for (var offset = 0; offset < n; offset += 4096)
            {
                await response.Body.WriteAsync(body.AsMemory(offset, Math.Min(4096, n - offset)));
            }
        }).WithChecksumTrailers(ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha256).WithServerTimingTrailer();
        app.MapPost("/echo", async (HttpRequest request, HttpResponse response) => await request.Body.CopyToAsync(response.Body))
            .WithChecksumTrailers(ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha256);
        app.MapGet("/grpc", async (HttpResponse response) => await response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 })).WithGrpcStatusTrailers();
    }

    [Fact]
    public async Task Last_chunk_carries_exactly_the_declared_trailer_fields_after_Kestrels_chunks()
    {
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpResponse response) =>
        {
            response.AnnounceTrailers("x-a", "x-empty");
            await response.WriteAsync("hello");
            await response.Body.FlushAsync();
            await response.WriteAsync(" world");
            (await response.SendTrailersAsync([new("x-a", "1"), new("x-empty", ""), new("X-Multi", new(["p", "q"]))])).Status.Should().Be(TrailersStatus.Sent);
        }));
        await using var client = await RawHttp1Client.ConnectAsync(server.BaseAddress);

        await client.SendAsync(RawHttp1Client.Get("/t", "TE: trailers\r\n"));
        var response = await client.ReadResponseAsync(Timeout);

        response.Header("transfer-encoding").Should().Be("chunked");
        response.Header("trailer").Should().Be("x-a, x-empty");
        response.BodyText.Should().Be("hello world");
        var raw = Encoding.ASCII.GetString(response.Raw);
        raw.Should().EndWith("\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nx-a: 1\r\nx-empty: \r\nX-Multi: p\r\nX-Multi: q\r\n\r\n",
            "Kestrel's own chunks are untouched; the fields go between its '0\\r\\n' and the final CRLF");
    }

    [Fact]
    public async Task Pipelined_requests_get_their_own_trailers_and_keep_alive_survives_a_trailered_response()
    {
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapGet("/t/{n}", async (string n, HttpResponse response) =>
            {
                response.AnnounceTrailers("x-n");
                await response.WriteAsync("body " + n);
                await response.SendTrailersAsync("x-n", n);
            });
            app.MapGet("/plain", (HttpResponse response) =>
            {
                response.ContentLength = 5; // no trailer section
                return response.WriteAsync("plain");
            });
            app.MapGet("/chunked-untouched", async (HttpResponse response) => await response.WriteAsync("0\r\n\r\nlooks like an end"));
        });
        await using var client = await RawHttp1Client.ConnectAsync(server.BaseAddress);

        // Four requests in one write: Kestrel answers them in order on the one connection.
        await client.SendAsync(RawHttp1Client.Get("/t/1") + RawHttp1Client.Get("/plain") + RawHttp1Client.Get("/chunked-untouched") + RawHttp1Client.Get("/t/4"));
        var first = await client.ReadResponseAsync(Timeout);
        var plain = await client.ReadResponseAsync(Timeout);
        var untouched = await client.ReadResponseAsync(Timeout);
        var fourth = await client.ReadResponseAsync(Timeout);
        await client.SendAsync(RawHttp1Client.Get("/t/5"));
        var afterwards = await client.ReadResponseAsync(Timeout);

        first.BodyText.Should().Be("body 1");
        first.Trailers.Should().Equal(new Dictionary<string, string> { ["x-n"] = "1" });
        plain.Chunked.Should().BeFalse();
        plain.BodyText.Should().Be("plain");
        untouched.BodyText.Should().Be("0\r\n\r\nlooks like an end");
        untouched.TrailerSection.Should().BeEmpty("a response that never used trailers is passed through byte for byte");
        fourth.Trailers.Should().Equal(new Dictionary<string, string> { ["x-n"] = "4" });
        afterwards.Trailers.Should().Equal(new Dictionary<string, string> { ["x-n"] = "5" });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16383)]
    [InlineData(16384)]
    [InlineData(16385)]
    [InlineData(1 << 20)]
    public async Task Checksum_and_server_timing_producers_are_correct_on_http11_at_every_size(int size)
    {
        await using var server = await TrailersApp.StartAsync(MapProducerEndpoints);
        await using var client = await RawHttp1Client.ConnectAsync(server.BaseAddress);

        await client.SendAsync(RawHttp1Client.Get($"/size/{size}"));
        var response = await client.ReadResponseAsync(Timeout);

        response.Body.Should().HaveCount(size);
        response.Chunked.Should().BeTrue("even an empty body is chunked so that the digest of 0 bytes can follow it");
        response.Header("trailer").Should().Be("content-md5, repr-digest, server-timing");
        response.Trailers["content-md5"].Should().Be(Convert.ToHexStringLower(MD5.HashData(response.Body)));
        response.Trailers["repr-digest"].Should().Be($"sha-256=:{Convert.ToBase64String(SHA256.HashData(response.Body))}:");
        response.Trailers["server-timing"].Should().MatchRegex(@"^total;dur=\d+(\.\d+)?$");
    }

    [Fact]
    public async Task Slowly_sent_request_body_is_echoed_with_a_correct_checksum()
    {
        await using var server = await TrailersApp.StartAsync(MapProducerEndpoints);
        await using var client = await RawHttp1Client.ConnectAsync(server.BaseAddress);
        var body = Body(50_000);

        await client.SendAsync($"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\n\r\n");
        for (var offset = 0; offset < body.Length; offset += 5000)
        {
            await client.SendAsync(body.AsSpan(offset, 5000).ToArray());
            await Task.Delay(20); // pacing, not synchronisation: the server must handle a body that trickles in
        }

        var response = await client.ReadResponseAsync(Timeout);

        response.Body.Should().Equal(body);
        response.Trailers["content-md5"].Should().Be(Convert.ToHexStringLower(MD5.HashData(body)));
    }

    [Fact]
    public async Task Grpc_status_producer_works_on_http11()
    {
        await using var server = await TrailersApp.StartAsync(MapProducerEndpoints);
        await using var client = await RawHttp1Client.ConnectAsync(server.BaseAddress);

        await client.SendAsync(RawHttp1Client.Get("/grpc", "TE: trailers\r\n"));
        var response = await client.ReadResponseAsync(Timeout);

        response.Status.Should().Be(200);
        response.Trailers.Should().Equal(new Dictionary<string, string> { ["grpc-status"] = "0" });
    }

    [Fact]
    public async Task Client_abort_mid_body_reports_ClientAborted_and_the_server_serves_the_next_connection()
    {
        var result = new TaskCompletionSource<TrailersResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapGet("/slow", async (HttpContext context) =>
            {
                context.Response.AnnounceTrailers("x-done");
                await context.Response.WriteAsync("first part");
                await context.Response.Body.FlushAsync();
                started.TrySetResult();
                try
                {
                    await Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                result.TrySetResult(await context.Response.SendTrailersAsync("x-done", "1"));
            });
            app.MapGet("/t", async (HttpResponse response) =>
            {
                response.AnnounceTrailers("x-ok");
                await response.WriteAsync("ok");
                await response.SendTrailersAsync("x-ok", "yes");
            });
        });

        var aborting = await RawHttp1Client.ConnectAsync(server.BaseAddress);
        await aborting.SendAsync(RawHttp1Client.Get("/slow"));
        await started.Task.WaitAsync(Timeout);
        await aborting.DisposeAsync();

        (await result.Task.WaitAsync(Timeout)).Status.Should().Be(TrailersStatus.ClientAborted);
        await using var next = await RawHttp1Client.ConnectAsync(server.BaseAddress);
        await next.SendAsync(RawHttp1Client.Get("/t"));
        (await next.ReadResponseAsync(Timeout)).Trailers["x-ok"].Should().Be("yes");
    }

    [Fact]
    public async Task Head_204_and_Content_Length_responses_cannot_carry_trailers_and_are_left_untouched()
    {
        var supported = new ConcurrentQueue<(string, bool)>();
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapMethods("/h", ["HEAD", "GET"], (HttpContext context) =>
            {
                context.Response.ContentLength = 5;
                supported.Enqueue((context.Request.Method, context.GetTrailersFeature().IsSupported));
                return context.Request.Method == "GET" ? context.Response.WriteAsync("hello") : Task.CompletedTask;
            });
            app.MapGet("/204", (HttpContext context) =>
            {
                context.Response.StatusCode = 204;
                supported.Enqueue(("204", context.GetTrailersFeature().IsSupported));
            });
        });
        await using var client = await RawHttp1Client.ConnectAsync(server.BaseAddress);

        await client.SendAsync("HEAD /h HTTP/1.1\r\nHost: localhost\r\n\r\n" + RawHttp1Client.Get("/204") + RawHttp1Client.Get("/h"));
        var head = await client.ReadResponseAsync(Timeout, head: true);
        var noContent = await client.ReadResponseAsync(Timeout);
        var get = await client.ReadResponseAsync(Timeout);

        head.Header("content-length").Should().Be("5");
        noContent.Status.Should().Be(204);
        get.BodyText.Should().Be("hello");
        supported.Should().Equal(("HEAD", false), ("204", false), ("GET", false));
    }
}
