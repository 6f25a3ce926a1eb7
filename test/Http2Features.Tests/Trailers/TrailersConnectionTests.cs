// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Security.Cryptography;
using FluentAssertions;
using Http2Features.Testing;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Tests.Trailers;

/// <summary>Trailers never harm the connection: resets and many concurrent streams keep it healthy.</summary>
public class TrailersConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Raw_RST_STREAM_before_the_trailers_yields_ClientAborted_and_the_connection_serves_the_next_stream()
    {
        var headersSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = new TaskCompletionSource<TrailersResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapGet("/slow", async (HttpContext context) =>
            {
                context.Response.AnnounceTrailers("x-a");
                await context.Response.WriteAsync("partial");
                await context.Response.Body.FlushAsync();
                headersSent.SetResult();
                try
                {
                    await Task.Delay(Timeout, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                result.SetResult(await context.Response.SendTrailersAsync("x-a", "1"));
            }).WithChecksumTrailers();
            app.MapGet("/next", () => "ok").WithChecksumTrailers();
        });
        var client = await server.CreateRawClientAsync();

        var slow = await client.SendRequestAsync(new RawHttp2Request("GET", "/slow"));
        await slow.WaitForHeadersAsync(Timeout);
        await headersSent.Task.WaitAsync(Timeout);
        await slow.SendRstStreamAsync(Http2ErrorCode.Cancel);

        (await result.Task.WaitAsync(Timeout)).Status.Should().Be(TrailersStatus.ClientAborted);
        var next = await client.GetAsync("/next");
        next.BodyText.Should().Be("ok");
        next.Trailers["repr-digest"].Should().Be($"sha-256=:{Convert.ToBase64String(SHA256.HashData("ok"u8))}:");
        client.GoAway.Should().BeNull();
        client.ConnectionError.Should().BeNull();
    }

    [Fact]
    public async Task Concurrent_streams_on_one_connection_each_get_their_own_correct_trailers()
    {
        var serverResults = new System.Collections.Concurrent.ConcurrentDictionary<int, TrailersResult>();
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/item/{n:int}", async (int n, HttpResponse response) =>
        {
            response.AnnounceTrailers("x-n");
            var body = ChecksumTrailerTests.Body(1000 + (n * 997), seed: n);
            for (var offset = 0; offset < body.Length; offset += 4096)
            {
                await response.Body.WriteAsync(body.AsMemory(offset, Math.Min(4096, body.Length - offset)));
                await Task.Yield();
            }

            serverResults[n] = await response.SendTrailersAsync("x-n", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }).WithChecksumTrailers(ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha256));
        using var client = server.CreateHttp2Client();

        // Every request is checked and described, so a failure says which stream got what.
        var tasks = Enumerable.Range(1, 40).Select(async n =>
        {
            try
            {
                using var message = await client.GetAsync($"/item/{n}");
                var bytes = await message.Content.ReadAsByteArrayAsync();
                var trailers = message.TrailingHeaders.ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
#pragma warning disable CA5351 // recomputing content-md5
                var expected = new Dictionary<string, string>
                {
                    ["content-md5"] = Convert.ToHexStringLower(MD5.HashData(bytes)),
                    ["repr-digest"] = $"sha-256=:{Convert.ToBase64String(SHA256.HashData(bytes))}:",
                    ["x-n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
#pragma warning restore CA5351
                var bodyOk = bytes.AsSpan().SequenceEqual(ChecksumTrailerTests.Body(1000 + (n * 997), seed: n));
                return bodyOk && expected.All(e => trailers.TryGetValue(e.Key, out var v) && v == e.Value)
                    ? null
                    : $"stream for /item/{n}: status {(int)message.StatusCode}, body ok {bodyOk}, trailers [{string.Join("; ", trailers.Select(t => $"{t.Key}: {t.Value}"))}]";
            }
            catch (Exception ex)
            {
                return $"/item/{n}: {ex.GetType().Name}: {ex.Message} {ex.InnerException?.Message}";
            }
        });
        var failures = (await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30))).Where(f => f is not null).ToList();

        failures.Should().BeEmpty("server results: {0}", string.Join(", ", serverResults.Where(r => !r.Value.IsSent).Select(r => $"{r.Key}={r.Value}")));
    }
}
