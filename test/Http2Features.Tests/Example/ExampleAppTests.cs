using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Example;

/// <summary>
/// examples/http2_features/WebApp on real Kestrel (TLS, h2 + http/1.1): every route over HTTP/2 and HTTP/1.1,
/// JSON key by key, trailers verified independently, 103 before 200.
/// </summary>
public sealed class ExampleAppTests : IClassFixture<Http2WebApplicationFactory<Program>>
{
    private const string DefaultTrailersBody = "Hello from HTTP/2 with trailers!\n";
    private readonly Http2WebApplicationFactory<Program> _factory;

    public ExampleAppTests(Http2WebApplicationFactory<Program> factory) => _factory = factory;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Root_over_HTTP2_lists_routes_and_every_extension()
    {
        using var response = await _factory.CreateHttp2Client().GetAsync("/", Ct);

        response.Version.Should().Be(HttpVersion.Version20);
        using var json = await ReadJsonAsync(response);
        Keys(json.RootElement).Should().Equal("message", "http_version", "endpoints", "extensions");
        json.RootElement.GetProperty("message").GetString().Should().Be("HTTP/2 Features Demo");
        json.RootElement.GetProperty("http_version").GetString().Should().Be("2");
        Keys(json.RootElement.GetProperty("endpoints")).Should().Equal("/", "/priority", "/trailers", "/combined", "/early-hints", "/health");
        Strings(json.RootElement.GetProperty("extensions")).Should().Equal("http.response.priority", "http.response.trailers", "http.response.early_hint");
    }

    [Fact]
    public async Task Root_over_HTTP11_lists_trailers_and_early_hints()
    {
        using var response = await _factory.CreateHttp11Client().GetAsync("/", Ct);

        response.Version.Should().Be(HttpVersion.Version11);
        using var json = await ReadJsonAsync(response);
        json.RootElement.GetProperty("http_version").GetString().Should().Be("1.1");
        Strings(json.RootElement.GetProperty("extensions")).Should().Equal("http.response.trailers", "http.response.early_hint");
    }

    [Fact]
    public async Task Root_does_not_list_early_hints_when_they_are_disabled()
    {
        var factory = _factory.WithHttp2WebHostBuilder(b => b.ConfigureServices(services =>
            services.Configure<Http2FeaturesOptions>(o => o.EarlyHints.Enabled = false)));

        using var response = await factory.CreateHttp2Client().GetAsync("/", Ct);

        using var json = await ReadJsonAsync(response);
        Strings(json.RootElement.GetProperty("extensions")).Should().Equal("http.response.priority", "http.response.trailers");
    }

    [Fact]
    public async Task Priority_reports_weight_and_urgency_from_the_HEADERS_frame()
    {
        await using var client = await _factory.CreateRawClientAsync();

        var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/priority")
        {
            Priority = new Http2PriorityData(DependsOn: 0, Weight: 100),
        }.WithHeader("priority", "u=5"), Ct);
        var response = await stream.ReadResponseAsync(cancellationToken: Ct);

        response.Should().HaveStatus(200).And.HaveHeader("content-type", "application/json");
        using var json = JsonOf(response);
        Keys(json.RootElement).Should().Equal("http_version", "priority", "note");
        json.RootElement.GetProperty("http_version").GetString().Should().Be("2");
        var priority = json.RootElement.GetProperty("priority");
        Keys(priority).Should().Equal("weight", "depends_on", "description", "urgency", "incremental");
        priority.GetProperty("weight").GetInt32().Should().Be(100);
        priority.GetProperty("depends_on").GetInt32().Should().Be(0);
        priority.GetProperty("description").GetString().Should().Be("Weight 100/256 - normal priority");
        priority.GetProperty("urgency").GetInt32().Should().Be(5);
        priority.GetProperty("incremental").GetBoolean().Should().BeFalse();
        json.RootElement.GetProperty("note").GetString().Should().NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData(256, "Weight 256/256 - high priority")]
    [InlineData(129, "Weight 129/256 - high priority")]
    [InlineData(128, "Weight 128/256 - normal priority")]
    [InlineData(65, "Weight 65/256 - normal priority")]
    [InlineData(64, "Weight 64/256 - low priority")]
    [InlineData(1, "Weight 1/256 - low priority")]
    public async Task Priority_frame_sent_before_the_request_sets_the_reported_weight(int weight, string description)
    {
        await using var client = await _factory.CreateRawClientAsync();
        var streamId = client.NextStreamId;

        await client.SendPriorityAsync(streamId, dependsOn: 0, weight: weight, ct: Ct);
        var response = await (await client.SendRequestAsync(new RawHttp2Request("GET", "/priority"), Ct)).ReadResponseAsync(cancellationToken: Ct);

        using var json = JsonOf(response);
        var priority = json.RootElement.GetProperty("priority");
        priority.GetProperty("weight").GetInt32().Should().Be(weight);
        priority.GetProperty("description").GetString().Should().Be(description);
    }

    [Fact]
    public async Task Priority_is_null_over_HTTP11()
    {
        using var response = await _factory.CreateHttp11Client().GetAsync("/priority", Ct);

        using var json = await ReadJsonAsync(response);
        Keys(json.RootElement).Should().Equal("http_version", "priority", "note");
        json.RootElement.GetProperty("http_version").GetString().Should().Be("1.1");
        json.RootElement.GetProperty("priority").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Trailers_GET_over_HTTP2_sends_the_body_then_its_MD5_and_processing_time()
    {
        using var response = await _factory.CreateHttp2Client().GetAsync("/trailers", Ct);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);   // trailers are filled once the body is read

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/octet-stream");
        response.Headers.NonValidated["trailer"].ToString().Should().Be("content-md5, x-processing-time");
        Encoding.UTF8.GetString(body).Should().Be(DefaultTrailersBody);
        response.TrailingHeaders.GetValues("content-md5").Should().Equal(Md5Hex(body));
        response.TrailingHeaders.GetValues("x-processing-time").Single().Should().MatchRegex(@"^\d+(\.\d+)?ms$");
    }

    [Fact]
    public async Task Trailers_POST_over_HTTP2_echoes_the_body_with_its_MD5_after_it()
    {
        await using var client = await _factory.CreateRawClientAsync();
        var payload = RandomNumberGenerator.GetBytes(50_000);   // several DATA frames each way

        var stream = await client.SendRequestAsync(new RawHttp2Request("POST", "/trailers") { Body = payload }, Ct);
        var response = await stream.ReadResponseAsync(cancellationToken: Ct);

        response.Should().HaveStatus(200).And.HaveTrailer("content-md5", Md5Hex(payload));
        response.Body.Should().Equal(payload);
        var frames = client.FrameLog.Where(f => f.Direction == FrameDirection.Received && f.StreamId == response.StreamId).ToList();
        frames.Last().Should().Match<FrameLogEntry>(f => f.Type == Http2FrameType.Headers && f.EndStream, "the trailers end the stream after the DATA frames");
    }

    [Fact]
    public async Task Trailers_over_HTTP11_come_in_the_last_chunk()
    {
        using var content = new ByteArrayContent("posted over HTTP/1.1"u8.ToArray());
        using var response = await _factory.CreateHttp11Client().PostAsync("/trailers", content, Ct);

        (await response.Content.ReadAsByteArrayAsync(Ct)).Should().Equal("posted over HTTP/1.1"u8.ToArray());
        response.Version.Should().Be(HttpVersion.Version11);
        response.Headers.TransferEncodingChunked.Should().BeTrue();
        response.Headers.Contains("x-checksum").Should().BeFalse("the checksum header is only the fallback where trailers cannot be sent");
        response.TrailingHeaders.GetValues("content-md5").Should().Equal(Md5Hex("posted over HTTP/1.1"u8.ToArray()));
        response.TrailingHeaders.Contains("x-processing-time").Should().BeTrue();
    }

    [Fact]
    public async Task Trailers_over_HTTP10_fall_back_to_JSON_and_an_x_checksum_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/trailers")
        {
            Content = new ByteArrayContent("posted over HTTP/1.0"u8.ToArray()),
            Version = HttpVersion.Version10,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await _factory.CreateHttp11Client().SendAsync(request, Ct);

        response.Headers.Contains("trailer").Should().BeFalse();
        var checksum = Md5Hex("posted over HTTP/1.0"u8.ToArray());
        response.Headers.GetValues("x-checksum").Should().Equal(checksum);
        using var json = await ReadJsonAsync(response);
        Keys(json.RootElement).Should().Equal("message", "data", "checksum_in_header");
        json.RootElement.GetProperty("data").GetString().Should().Be("posted over HTTP/1.0");
        json.RootElement.GetProperty("checksum_in_header").GetString().Should().Be(checksum);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task Combined_over_HTTP2_reports_priority_and_sends_MD5_and_status_trailers(string method)
    {
        await using var client = await _factory.CreateRawClientAsync();

        var stream = await client.SendRequestAsync(new RawHttp2Request(method, "/combined")
        {
            Priority = new Http2PriorityData(DependsOn: 0, Weight: 77),
            Body = method == "POST" ? "{}"u8.ToArray() : null,
        }, Ct);
        var response = await stream.ReadResponseAsync(cancellationToken: Ct);

        response.Should().HaveStatus(200)
            .And.HaveHeader("trailer", "content-md5, x-status")
            .And.HaveTrailer("content-md5", Md5Hex(response.Body))
            .And.HaveTrailer("x-status", "success");
        using var json = JsonOf(response);
        Keys(json.RootElement).Should().Equal("http_version", "priority", "trailers_supported");
        json.RootElement.GetProperty("http_version").GetString().Should().Be("2");
        Keys(json.RootElement.GetProperty("priority")).Should().Equal("weight", "depends_on");
        json.RootElement.GetProperty("priority").GetProperty("weight").GetInt32().Should().Be(77);
        json.RootElement.GetProperty("trailers_supported").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Combined_over_HTTP11_has_no_priority_but_sends_the_trailers()
    {
        using var response = await _factory.CreateHttp11Client().GetAsync("/combined", Ct);

        var body = await response.Content.ReadAsByteArrayAsync(Ct);
        response.TrailingHeaders.GetValues("content-md5").Should().Equal(Md5Hex(body));
        response.TrailingHeaders.GetValues("x-status").Should().Equal("success");
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("http_version").GetString().Should().Be("1.1");
        json.RootElement.GetProperty("priority").ValueKind.Should().Be(JsonValueKind.Null);
        json.RootElement.GetProperty("trailers_supported").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Early_hints_over_HTTP2_sends_one_103_with_both_preloads_before_the_page()
    {
        await using var client = await _factory.CreateRawClientAsync();

        var response = await client.GetAsync("/early-hints", Ct);

        response.Should().HaveStatus(200);
        response.Informational.Should().ContainSingle().Which.Status.Should().Be(103);
        var hint = response.Informational[0];
        hint.FrameSequence.Should().BeLessThan(response.HeadersFrameSequence, "the 103 precedes the final HEADERS");
        hint.Headers.GetValues("link").Should().Equal("</style.css>; rel=preload; as=style", "</app.js>; rel=preload; as=script");
        response.Headers["content-type"].Should().StartWith("text/html");
        response.BodyText.Should().Contain("href=\"/style.css\"").And.Contain("src=\"/app.js\"");
    }

    [Fact]
    public async Task Early_hints_over_HTTP11_writes_the_103_block_before_the_200()
    {
        var text = await RawHttp11Async("GET /early-hints HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        text.Should().StartWith("HTTP/1.1 103 Early Hints\r\n");
        var final = text.IndexOf("HTTP/1.1 200 OK\r\n", StringComparison.Ordinal);
        final.Should().BePositive();
        var informational = text[..final];
        informational.Should().Contain("link: </style.css>; rel=preload; as=style\r\n")
            .And.Contain("link: </app.js>; rel=preload; as=script\r\n")
            .And.EndWith("\r\n\r\n");
    }

    [Theory]
    [InlineData("/style.css", "text/css")]
    [InlineData("/app.js", "text/javascript")]
    public async Task Hinted_files_are_served_with_cache_headers(string path, string contentType)
    {
        using var response = await _factory.CreateHttp2Client().GetAsync(path, Ct);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be(contentType);
        response.Headers.CacheControl!.MaxAge.Should().BePositive();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    public async Task Health_is_OK_and_unknown_paths_are_404_Not_Found(int major)
    {
        var client = major == 2 ? _factory.CreateHttp2Client() : _factory.CreateHttp11Client();

        using var health = await client.GetAsync("/health", Ct);
        using var missing = await client.GetAsync("/no/such/page.txt", Ct);
        using var wrongMethod = await client.DeleteAsync("/health", Ct);

        health.StatusCode.Should().Be(HttpStatusCode.OK);
        (await health.Content.ReadAsStringAsync(Ct)).Should().Be("OK");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await missing.Content.ReadAsStringAsync(Ct)).Should().Be("Not Found\n");
        wrongMethod.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await wrongMethod.Content.ReadAsStringAsync(Ct)).Should().Be("Not Found\n");
    }

    private async Task<string> RawHttp11Async(string request)
    {
        var address = _factory.ServerAddress;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, Ct);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == _factory.Certificate.GetCertHashString(),
        }, Ct);
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request), Ct);
        using var reader = new StreamReader(tls, Encoding.ASCII);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        return await reader.ReadToEndAsync(timeout.Token);
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var text = await response.Content.ReadAsStringAsync(Ct);
        return ParsePretty(text);
    }

    private static JsonDocument JsonOf(RawHttp2Response response) => ParsePretty(response.BodyText);

    // Pretty-printed (indented) and newline-terminated, as the issue and gunicorn's example specify.
    private static JsonDocument ParsePretty(string text)
    {
        text.Should().EndWith("}\n").And.Contain("{\n  \"");
        return JsonDocument.Parse(text);
    }

    private static List<string> Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();

    private static List<string?> Strings(JsonElement element) => element.EnumerateArray().Select(e => e.GetString()).ToList();

#pragma warning disable CA5351 // checking the example's content-md5, not protecting anything
    private static string Md5Hex(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));
#pragma warning restore CA5351
}
