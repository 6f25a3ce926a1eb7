using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Http2Features.Testing;

namespace Http2FeaturesExample.TestClient;

/// <summary>
/// The checks, one per feature. Each opens its own connection with <see cref="RawHttp2Client"/>, which sends
/// exactly the frames asked for (PRIORITY flags, PRIORITY frames) and keeps what HttpClient hides (103, trailers).
/// A check returns a one-line summary or throws with what was wrong.
/// </summary>
public static class ExampleChecks
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>The checks in the order they run.</summary>
    public static IReadOnlyList<(string Name, Func<Uri, Task<string>> Check)> All { get; } =
    [
        ("connection", ConnectionAsync),
        ("priority", PriorityAsync),
        ("trailers", TrailersAsync),
        ("combined", CombinedAsync),
        ("multiple streams", MultipleStreamsAsync),
        ("early hints", EarlyHintsAsync),
    ];

    /// <summary>Returns null when a TCP (and TLS) connection can be made, else why not.</summary>
    /// <param name="url">The server.</param>
    /// <returns>The reason, or null.</returns>
    public static async Task<string?> ProbeAsync(Uri url)
    {
        try
        {
            await using var client = await ConnectAsync(url, requireH2: false);
            return null;
        }
        catch (RawHttp2Exception ex) when (Program.IsConnectFailure(ex))
        {
            return ex.InnerException?.Message ?? ex.Message;
        }
    }

    /// <summary>TLS with ALPN h2, the server's SETTINGS, then GET / reports HTTP/2 and its extensions.</summary>
    private static async Task<string> ConnectionAsync(Uri url)
    {
        await using var client = await ConnectAsync(url, requireH2: false);
        if (url.Scheme == "https")
        {
            Expect(client.NegotiatedProtocol == "h2", $"ALPN negotiated '{client.NegotiatedProtocol ?? "(none)"}', expected 'h2'");
        }

        var response = await client.GetAsync("/");
        ExpectStatus(response, 200);
        using var json = ParseJson(response);
        ExpectString(json, "message", "HTTP/2 Features Demo");
        ExpectString(json, "http_version", "2");
        var extensions = json.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ToList();
        foreach (var name in new[] { "http.response.priority", "http.response.trailers", "http.response.early_hint" })
        {
            Expect(extensions.Contains(name), $"extensions [{string.Join(", ", extensions)}] lack {name}");
        }

        var health = await client.GetAsync("/health");
        ExpectStatus(health, 200);
        Expect(health.BodyText == "OK", $"/health returned '{health.BodyText}'");
        return $"ALPN {client.NegotiatedProtocol ?? "h2c"}, server SETTINGS {client.ServerSettings}, extensions [{string.Join(", ", extensions)}]";
    }

    /// <summary>
    /// A HEADERS frame with the PRIORITY flag (weight 200) and an RFC 9218 header, then a PRIORITY frame
    /// (weight 32, depending on the first stream) for a stream before its HEADERS: the server reports both.
    /// </summary>
    private static async Task<string> PriorityAsync(Uri url)
    {
        await using var client = await ConnectAsync(url);

        var first = await client.SendRequestAsync(new RawHttp2Request("GET", "/priority")
        {
            Priority = new Http2PriorityData(DependsOn: 0, Weight: 200),
        }.WithHeader("priority", "u=1, i"));
        using (var json = ParseJson(await first.ReadResponseAsync(Timeout)))
        {
            var priority = json.RootElement.GetProperty("priority");
            ExpectInt(priority, "weight", 200);
            ExpectInt(priority, "depends_on", 0);
            ExpectString(priority, "description", "Weight 200/256 - high priority");
            ExpectInt(priority, "urgency", 1);
            Expect(priority.GetProperty("incremental").GetBoolean(), "incremental: expected true for 'u=1, i'");
        }

        // RFC 7540 §5.3.5: a PRIORITY frame may arrive for a stream that is still idle; it applies once the stream opens.
        var secondId = client.NextStreamId;
        await client.SendPriorityAsync(secondId, dependsOn: first.StreamId, weight: 32);
        var second = await client.SendRequestAsync(new RawHttp2Request("GET", "/priority"));
        Expect(second.StreamId == secondId, $"request went out on stream {second.StreamId}, not {secondId}");
        using (var json = ParseJson(await second.ReadResponseAsync(Timeout)))
        {
            var priority = json.RootElement.GetProperty("priority");
            ExpectInt(priority, "weight", 32);
            ExpectInt(priority, "depends_on", first.StreamId);
            ExpectString(priority, "description", "Weight 32/256 - low priority");
        }

        return $"stream {first.StreamId}: HEADERS weight 200 + 'u=1, i' reported; stream {secondId}: PRIORITY frame weight 32 depends_on {first.StreamId} reported";
    }

    /// <summary>GET and POST /trailers: the declared trailers arrive after the body, and the MD5 is checked here.</summary>
    private static async Task<string> TrailersAsync(Uri url)
    {
        await using var client = await ConnectAsync(url);

        var get = await client.GetAsync("/trailers");
        ExpectStatus(get, 200);
        Expect(get.BodyText == "Hello from HTTP/2 with trailers!\n", $"unexpected body '{get.BodyText}'");
        Expect(get.Headers["trailer"] == "content-md5, x-processing-time", $"trailer header is '{get.Headers["trailer"]}'");
        ExpectTrailers(get, get.Body);

        var payload = Encoding.UTF8.GetBytes("Custom payload for the trailers check\n");
        var stream = await client.SendRequestAsync(new RawHttp2Request("POST", "/trailers") { Body = payload }
            .WithHeader("content-type", "application/octet-stream"));
        var post = await stream.ReadResponseAsync(Timeout);
        ExpectStatus(post, 200);
        Expect(post.Body.AsSpan().SequenceEqual(payload), "POST /trailers did not echo the body");
        ExpectTrailers(post, payload);

        return $"content-md5 {get.Trailers["content-md5"]} matches the body, x-processing-time {get.Trailers["x-processing-time"]}; POST body echoed with its MD5";
    }

    /// <summary>Priority and trailers in one response.</summary>
    private static async Task<string> CombinedAsync(Uri url)
    {
        await using var client = await ConnectAsync(url);
        var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/combined")
        {
            Priority = new Http2PriorityData(DependsOn: 0, Weight: 100),
        });
        var response = await stream.ReadResponseAsync(Timeout);
        ExpectStatus(response, 200);
        using var json = ParseJson(response);
        ExpectString(json, "http_version", "2");
        ExpectInt(json.RootElement.GetProperty("priority"), "weight", 100);
        ExpectInt(json.RootElement.GetProperty("priority"), "depends_on", 0);
        Expect(json.RootElement.GetProperty("trailers_supported").GetBoolean(), "trailers_supported: expected true");
        var md5 = Md5Hex(response.Body);
        Expect(response.Trailers["content-md5"] == md5, $"content-md5 trailer '{response.Trailers["content-md5"]}', body MD5 is {md5}");
        Expect(response.Trailers["x-status"] == "success", $"x-status trailer '{response.Trailers["x-status"]}'");
        return $"weight 100 reported, trailers content-md5 (verified) and x-status: success";
    }

    /// <summary>Five requests open at once on one connection, each with its own weight; every answer matches its stream.</summary>
    private static async Task<string> MultipleStreamsAsync(Uri url)
    {
        await using var client = await ConnectAsync(url);
        int[] weights = [256, 128, 64, 32, 1];

        // Every HEADERS frame goes out before any response is read: the streams are concurrent.
        var streams = new List<RawHttp2Stream>();
        foreach (var weight in weights)
        {
            streams.Add(await client.SendRequestAsync(new RawHttp2Request("GET", "/priority")
            {
                Priority = new Http2PriorityData(DependsOn: 0, Weight: weight),
            }));
        }

        var responses = await Task.WhenAll(streams.Select(s => s.ReadResponseAsync(Timeout)));
        for (var i = 0; i < weights.Length; i++)
        {
            ExpectStatus(responses[i], 200);
            Expect(responses[i].StreamId == streams[i].StreamId, $"response for stream {streams[i].StreamId} came on {responses[i].StreamId}");
            using var json = ParseJson(responses[i]);
            ExpectInt(json.RootElement.GetProperty("priority"), "weight", weights[i]);
        }

        var ids = string.Join(", ", streams.Select(s => s.StreamId.ToString(CultureInfo.InvariantCulture)));
        return $"{weights.Length} concurrent streams ({ids}) on one connection, each reported its own weight";
    }

    /// <summary>GET /early-hints: one 103 with both preloads arrives before the 200 page, and the hinted files are served.</summary>
    private static async Task<string> EarlyHintsAsync(Uri url)
    {
        await using var client = await ConnectAsync(url);
        var response = await client.GetAsync("/early-hints");
        ExpectStatus(response, 200);
        Expect(response.Informational.Count == 1, $"expected one informational response, got {response.Informational.Count}");
        var hint = response.Informational[0];
        Expect(hint.Status == 103, $"informational status {hint.Status}, expected 103");
        Expect(hint.FrameSequence < response.HeadersFrameSequence, "the 103 did not arrive before the 200");
        string[] expected = ["</style.css>; rel=preload; as=style", "</app.js>; rel=preload; as=script"];
        var links = hint.Headers.GetValues("link");
        Expect(links.SequenceEqual(expected), $"103 link values [{string.Join(" | ", links)}], expected [{string.Join(" | ", expected)}]");
        Expect(response.Headers["content-type"]?.StartsWith("text/html", StringComparison.Ordinal) == true, $"content-type '{response.Headers["content-type"]}'");
        Expect(response.BodyText.Contains("/style.css", StringComparison.Ordinal) && response.BodyText.Contains("/app.js", StringComparison.Ordinal), "the page does not use the hinted files");

        foreach (var (path, type) in new[] { ("/style.css", "text/css"), ("/app.js", "text/javascript") })
        {
            var file = await client.GetAsync(path);
            ExpectStatus(file, 200);
            Expect(file.Headers["content-type"]?.StartsWith(type, StringComparison.Ordinal) == true, $"{path} content-type '{file.Headers["content-type"]}'");
        }

        var gap = System.Diagnostics.Stopwatch.GetElapsedTime(hint.Timestamp, response.HeadersTimestamp);
        return $"103 with {links.Count} link preloads, then 200 text/html {gap.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms later; /style.css and /app.js served";
    }

    private static Task<RawHttp2Client> ConnectAsync(Uri url, bool requireH2 = true)
    {
        var options = new RawHttp2ClientOptions { RequireH2 = requireH2, Timeout = Timeout };
        return RawHttp2Client.ConnectAsync(url, options);
    }

    private static void ExpectTrailers(RawHttp2Response response, byte[] body)
    {
        var md5 = Md5Hex(body);
        Expect(response.Trailers["content-md5"] == md5, $"content-md5 trailer '{response.Trailers["content-md5"]}', body MD5 is {md5}");
        var time = response.Trailers["x-processing-time"];
        Expect(time is not null && Regex.IsMatch(time, @"^\d+(\.\d+)?ms$"), $"x-processing-time trailer '{time}'");
    }

#pragma warning disable CA5351 // verifying the server's content-md5, not protecting anything
    private static string Md5Hex(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));
#pragma warning restore CA5351

    private static JsonDocument ParseJson(RawHttp2Response response)
    {
        Expect(response.Headers["content-type"]?.StartsWith("application/json", StringComparison.Ordinal) == true,
            $"content-type '{response.Headers["content-type"]}', expected application/json");
        Expect(response.BodyText.EndsWith('\n'), "JSON body is not newline-terminated");
        return JsonDocument.Parse(response.Body);
    }

    private static void ExpectStatus(RawHttp2Response response, int status) =>
        Expect(response.Status == status, $"stream {response.StreamId}: status {response.Status}, expected {status} ({response.BodyText.Trim()})");

    private static void ExpectString(JsonDocument json, string name, string value) => ExpectString(json.RootElement, name, value);

    private static void ExpectString(JsonElement element, string name, string value)
    {
        var actual = element.GetProperty(name).GetString();
        Expect(actual == value, $"{name}: '{actual}', expected '{value}'");
    }

    private static void ExpectInt(JsonElement element, string name, int value)
    {
        Expect(element.ValueKind == JsonValueKind.Object, $"expected an object with '{name}', got {element.ValueKind}");
        var actual = element.GetProperty(name);
        Expect(actual.ValueKind == JsonValueKind.Number && actual.GetInt32() == value, $"{name}: {actual.GetRawText()}, expected {value}");
    }

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
