// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Net;
using System.Security.Cryptography;
using FluentAssertions;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Tests.Trailers;

public class ChecksumTrailerTests
{
    private const ChecksumTrailers All = ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha256 | ChecksumTrailers.ReprDigestSha512;

    /// <summary>A deterministic body, different in every chunk, so a dropped or reordered chunk changes every digest.</summary>
    internal static byte[] Body(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void ShouldCarryDigestsOf(IEnumerable<KeyValuePair<string, IEnumerable<string>>> trailers, byte[] body, ChecksumTrailers expected)
    {
        var dict = trailers.ToDictionary(t => t.Key, t => string.Join(",", t.Value), StringComparer.OrdinalIgnoreCase);
#pragma warning disable CA5351 // the test recomputes content-md5 independently
        var md5 = Convert.ToHexStringLower(MD5.HashData(body));
#pragma warning restore CA5351
        var sha256 = Convert.ToBase64String(SHA256.HashData(body));
        var sha512 = Convert.ToBase64String(SHA512.HashData(body));

        if (expected.HasFlag(ChecksumTrailers.ContentMd5))
        {
            dict["content-md5"].Should().Be(md5);
        }
        else
        {
            dict.Should().NotContainKey("content-md5");
        }

        var parts = new List<string>();
        if (expected.HasFlag(ChecksumTrailers.ReprDigestSha256))
        {
            parts.Add($"sha-256=:{sha256}:");
        }

        if (expected.HasFlag(ChecksumTrailers.ReprDigestSha512))
        {
            parts.Add($"sha-512=:{sha512}:");
        }

        if (parts.Count > 0)
        {
            // HttpClient splits the RFC 8941 dictionary at its commas; rejoin to compare the whole field.
            string.Join(", ", dict["repr-digest"].Split(',', StringSplitOptions.TrimEntries)).Should().Be(string.Join(", ", parts));
        }
        else
        {
            dict.Should().NotContainKey("repr-digest");
        }
    }

    [Fact]
    public async Task Endpoint_checksums_match_digests_computed_independently_over_the_received_body()
    {
        var body = Body(300_000);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/file", async (HttpResponse response) =>
        {
            // Mixed write paths: the PipeWriter (GetSpan/Advance and WriteAsync) and the Stream.
            var writer = response.BodyWriter;
            var span = writer.GetSpan(1000);
            body.AsSpan(0, 1000).CopyTo(span);
            writer.Advance(1000);
            await writer.WriteAsync(body.AsMemory(1000, 99_000));
            await response.Body.WriteAsync(body.AsMemory(100_000, 100_000));
            await response.WriteAsync(string.Empty);
            await response.Body.WriteAsync(body.AsMemory(200_000));
        }).WithChecksumTrailers(All));
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/file");
        var received = await message.Content.ReadAsByteArrayAsync();

        received.Should().Equal(body);
        message.Headers.GetValues("trailer").Should().BeEquivalentTo("content-md5", "repr-digest");
        ShouldCarryDigestsOf(message.TrailingHeaders, body, All);
    }

    [Fact]
    public async Task Raw_client_sees_repr_digest_in_RFC8941_byte_sequence_syntax()
    {
        var body = Body(40_000, seed: 7);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/d", (HttpResponse response) => response.Body.WriteAsync(body).AsTask())
            .WithChecksumTrailers());
        var client = await server.CreateRawClientAsync();

        var response = await client.GetAsync("/d");

        response.Body.Should().Equal(body);
        response.Headers["trailer"].Should().Be("repr-digest");
        response.Trailers["repr-digest"].Should().Be($"sha-256=:{Convert.ToBase64String(SHA256.HashData(body))}:");
    }

    [Fact]
    public async Task Middleware_checksums_cover_results_and_SendFileAsync()
    {
        var body = Body(70_000, seed: 3);
        var path = Path.Combine(Path.GetTempPath(), $"trailers-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, body);
        try
        {
            await using var server = await TrailersApp.StartAsync(app =>
            {
                app.UseChecksumTrailers(ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha512);
                app.MapGet("/sendfile", (HttpResponse response) => response.SendFileAsync(path));
                app.MapGet("/text", () => "plain text result");
            });
            using var client = server.CreateHttp2Client();

            using var file = await client.GetAsync("/sendfile");
            (await file.Content.ReadAsByteArrayAsync()).Should().Equal(body);
            ShouldCarryDigestsOf(file.TrailingHeaders, body, ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha512);

            using var text = await client.GetAsync("/text");
            var textBytes = await text.Content.ReadAsByteArrayAsync();
            ShouldCarryDigestsOf(text.TrailingHeaders, textBytes, ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha512);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Checksums_survive_an_explicit_CompleteAsync_or_BodyWriter_completion_and_join_the_handlers_own_trailers()
    {
        var body = Body(5000, seed: 9);
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapGet("/complete", async (HttpResponse response) =>
            {
                await response.Body.WriteAsync(body);
                await response.CompleteAsync();
            }).WithChecksumTrailers(ChecksumTrailers.ContentMd5);
            app.MapGet("/writer-complete", async (HttpResponse response) =>
            {
                await response.BodyWriter.WriteAsync(body);
                await response.BodyWriter.CompleteAsync();
            }).WithChecksumTrailers(ChecksumTrailers.ContentMd5).WithServerTimingTrailer();
            app.MapGet("/send", async (HttpResponse response) =>
            {
                response.AnnounceTrailers("x-rows");
                await response.Body.WriteAsync(body);
                await response.SendTrailersAsync("x-rows", "12");
            }).WithChecksumTrailers(ChecksumTrailers.ContentMd5);
        });
        using var client = server.CreateHttp2Client();

        using var completed = await client.GetAsync("/complete");
        (await completed.Content.ReadAsByteArrayAsync()).Should().Equal(body);
        ShouldCarryDigestsOf(completed.TrailingHeaders, body, ChecksumTrailers.ContentMd5);

        using var writerCompleted = await client.GetAsync("/writer-complete");
        (await writerCompleted.Content.ReadAsByteArrayAsync()).Should().Equal(body);
        ShouldCarryDigestsOf(writerCompleted.TrailingHeaders, body, ChecksumTrailers.ContentMd5);
        writerCompleted.TrailingHeaders.GetValues("server-timing").Single().Should().StartWith("total;dur=");

        using var sent = await client.GetAsync("/send");
        (await sent.Content.ReadAsByteArrayAsync()).Should().Equal(body);
        sent.TrailingHeaders.GetValues("x-rows").Should().Equal("12");
        ShouldCarryDigestsOf(sent.TrailingHeaders, body, ChecksumTrailers.ContentMd5);
        sent.Headers.GetValues("trailer").Should().BeEquivalentTo("content-md5", "x-rows");
    }

    [Fact]
    public async Task Endpoint_filter_writes_an_object_result_as_json_and_digests_it()
    {
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/json", () => new { id = 1, name = "a" }).WithChecksumTrailers());
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/json");
        var bytes = await message.Content.ReadAsByteArrayAsync();

        System.Text.Encoding.UTF8.GetString(bytes).Should().Be("{\"id\":1,\"name\":\"a\"}");
        message.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        ShouldCarryDigestsOf(message.TrailingHeaders, bytes, ChecksumTrailers.ReprDigestSha256);
    }

    [Fact]
    public async Task Handler_exception_produces_no_trailers_and_Kestrel_answers_500()
    {
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapGet("/throw", string () => throw new InvalidOperationException("boom")).WithChecksumTrailers().WithServerTimingTrailer();
            app.MapGet("/next", () => "ok");
        });
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/throw");
        await message.Content.ReadAsByteArrayAsync();

        message.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        message.TrailingHeaders.Should().BeEmpty();
        (await client.GetStringAsync("/next")).Should().Be("ok");
    }

    [Fact]
    public async Task Partial_content_gets_no_repr_digest_because_it_would_describe_only_a_part()
    {
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/range", async (HttpResponse response) =>
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = "bytes 0-3/10";
            await response.WriteAsync("0123");
        }).WithChecksumTrailers());
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/range");
        (await message.Content.ReadAsStringAsync()).Should().Be("0123");

        message.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        message.Headers.Contains("trailer").Should().BeFalse();
        message.TrailingHeaders.Should().BeEmpty();
    }

    [Fact]
    public async Task Http10_request_gets_the_body_untouched_and_no_checksum_declaration()
    {
        var body = Body(10_000);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/d", (HttpResponse response) => response.Body.WriteAsync(body).AsTask())
            .WithChecksumTrailers(All));
        using var client = server.CreateHttp11Client();

        using var message = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/d") { Version = HttpVersion.Version10, VersionPolicy = HttpVersionPolicy.RequestVersionExact });

        (await message.Content.ReadAsByteArrayAsync()).Should().Equal(body);
        message.Headers.Contains("trailer").Should().BeFalse();
        message.TrailingHeaders.Should().BeEmpty();
    }

    [Fact]
    public void Checksum_producer_rejects_an_empty_or_unknown_algorithm_set()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        FluentActions.Invoking(() => app.UseChecksumTrailers(ChecksumTrailers.None)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*ContentMd5*");
        FluentActions.Invoking(() => app.UseChecksumTrailers((ChecksumTrailers)64)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
