// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Security.Cryptography;
using FluentAssertions;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Tests.Trailers;

/// <summary>Runs alone: GC allocation counters are process-wide, so parallel tests would pollute the measurement.</summary>
[CollectionDefinition(nameof(ChecksumTrailerMemoryTests), DisableParallelization = true)]
public sealed class ChecksumTrailerMemoryTestsRunAlone;

[Collection(nameof(ChecksumTrailerMemoryTests))]
public class ChecksumTrailerMemoryTests
{
    [Fact]
    public async Task Hundred_megabyte_streamed_body_gets_a_correct_digest_with_bounded_memory()
    {
        const int chunkSize = 64 * 1024;
        const int chunks = 1600; // 100 MiB + a bit: 1600 × 64 KiB = 104,857,600 bytes
        var chunk = ChecksumTrailerTests.Body(chunkSize, seed: 11);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/big", async (HttpResponse response) =>
        {
            for (var i = 0; i < chunks; i++)
            {
                chunk[0] = (byte)i; // each chunk differs, and the client hashes what it sees independently
                await response.BodyWriter.WriteAsync(chunk);
            }
        }).WithChecksumTrailers());
        using var client = server.CreateHttp2Client();

        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var message = await client.GetAsync("/big", HttpCompletionOption.ResponseHeadersRead);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[chunkSize];
        long total = 0;
        await using (var stream = await message.Content.ReadAsStreamAsync())
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                total += read;
            }
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        total.Should().Be((long)chunkSize * chunks);
        message.TrailingHeaders.GetValues("repr-digest").Should().Equal($"sha-256=:{Convert.ToBase64String(sha.GetHashAndReset())}:");
        // Both server and client run in this process; a buffered body would allocate > 100 MB.
        allocated.Should().BeLessThan(20L * 1024 * 1024, "the body is hashed as it streams, never buffered");
        (heapAfter - heapBefore).Should().BeLessThan(10L * 1024 * 1024);
        TestContext.Current.TestOutputHelper?.WriteLine($"100 MiB body: allocated {allocated / 1024.0 / 1024.0:F1} MiB, heap delta {(heapAfter - heapBefore) / 1024.0 / 1024.0:F1} MiB, {elapsed.TotalSeconds:F1} s");
    }
}
