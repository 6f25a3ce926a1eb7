// The Http2Features example: stream priority, response trailers and 103 Early Hints in one small app.
// Run:  dotnet run --project examples/http2_features/WebApp -- -c gunicorn.conf.py
// Test: dotnet run --project examples/http2_features/TestClient -- --url https://localhost:8443
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Http2Features;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseGunicornSettings(args); // -c gunicorn.conf.py, -b, --certfile ..., GUNICORN_CMD_ARGS; default https://127.0.0.1:8443
builder.Services.AddHttp2Features();       // priority, trailers, early hints on every Kestrel endpoint

var app = builder.Build();
app.UseAutomaticEarlyHints();                // declared and learned 103s (/auto-hints), before the endpoint runs

app.MapGet("/", (HttpContext context) => Json(new
{
    message = "HTTP/2 Features Demo",
    http_version = HttpVersionOf(context),
    endpoints = new Dictionary<string, string>
    {
        ["/"] = "This overview",
        ["/priority"] = "The stream priority the client gave this request",
        ["/trailers"] = "A body followed by content-md5 and x-processing-time trailers (GET, or POST a body)",
        ["/combined"] = "Priority and trailers in one response (GET or POST)",
        ["/early-hints"] = "A 103 Early Hints response with preloads, then the page",
        ["/auto-hints"] = "A page that only sets Link headers: from the second navigation on they arrive as a 103 first",
        ["/download/{bytes}"] = "That many bytes in 16 KiB writes (see response scheduling with nghttp -H 'priority: u=7')",
        ["/health"] = "Health check",
    },
    extensions = ExtensionsOf(context),
}));

app.MapGet("/priority", (HttpContext context) =>
{
    var priority = context.GetStreamPriority();
    return Json(new
    {
        http_version = HttpVersionOf(context),
        priority = priority.HasHttp2Priority
            ? new
            {
                weight = priority.Weight,
                depends_on = priority.DependsOn,
                description = Describe(priority.Weight!.Value),
                urgency = priority.Urgency,           // RFC 9218: `priority` header or PRIORITY_UPDATE
                incremental = priority.Incremental,
            }
            : null,
        note = priority.HasHttp2Priority
            ? "Priority is advisory: the server reports it and does not reorder responses."
            : "Stream priority needs HTTP/2; this request has none.",
    });
});

app.MapMethods("/trailers", ["GET", "POST"], async (HttpContext context) =>
{
    var stopwatch = Stopwatch.StartNew();
    var body = context.Request.Method == "POST"
        ? await ReadBodyAsync(context.Request)
        : Encoding.UTF8.GetBytes("Hello from HTTP/2 with trailers!\n");
    var checksum = Md5Hex(body);
    var response = context.Response;

    if (!context.GetTrailersFeature().IsSupported)
    {
        // HTTP/1.0 (no chunked body, so no trailer section): the checksum goes into a header before the body.
        // HTTP/2 and chunked HTTP/1.1 responses carry it as a real trailer below.
        response.Headers["x-checksum"] = checksum;
        await WriteJsonAsync(response, new
        {
            message = "Trailers need HTTP/2 or HTTP/1.1; the checksum is in the x-checksum header instead.",
            data = Encoding.UTF8.GetString(body),
            checksum_in_header = checksum,
        });
        return;
    }

    response.ContentType = "application/octet-stream";
    response.AnnounceTrailers("content-md5", "x-processing-time");   // "trailer: content-md5, x-processing-time"
    await response.Body.WriteAsync(body);
    await response.SendTrailersAsync(
    [
        new("content-md5", checksum),
        new("x-processing-time", Milliseconds(stopwatch.Elapsed)),
    ]);
});

app.MapMethods("/combined", ["GET", "POST"], async (HttpContext context) =>
{
    var priority = context.GetStreamPriority();
    var trailers = context.GetTrailersFeature();
    var body = JsonBytes(new
    {
        http_version = HttpVersionOf(context),
        priority = priority.HasHttp2Priority ? new { weight = priority.Weight, depends_on = priority.DependsOn } : null,
        trailers_supported = trailers.IsSupported,
    });

    context.Response.ContentType = "application/json";
    context.Response.AnnounceTrailers("content-md5", "x-status");   // only remembered on HTTP/1.0
    await context.Response.Body.WriteAsync(body);
    if (trailers.IsSupported)
    {
        await context.Response.SendTrailersAsync([new("content-md5", Md5Hex(body)), new("x-status", "success")]);
    }
});

app.MapGet("/early-hints", async (HttpContext context) =>
{
    // ONE 103 with every hint: browsers act on the first 103 of a response only.
    await context.Response.SendEarlyHintsAsync(
        EarlyHintLink.Preload("/style.css", "style"),
        EarlyHintLink.Preload("/app.js", "script"));

    // Stand-in for real work (database, rendering). Browsers start preloads 1-20 ms after the 103,
    // so hints only pay off when the page takes a while; 150 ms makes the effect visible.
    await Task.Delay(TimeSpan.FromMilliseconds(150), context.RequestAborted);
    return Results.Content(EarlyHintsPage, "text/html; charset=utf-8");
});

app.MapGet("/auto-hints", async (HttpContext context) =>
{
    // No early hints code: only the Link headers a page would set anyway. UseAutomaticEarlyHints() learns them
    // (Http2Features:EarlyHints:Automatic:Enabled in appsettings.json) and, from the next navigation on, sends them
    // as a 103 before this handler runs.
    context.Response.Headers.Append("Link", "</style.css>; rel=preload; as=style");
    context.Response.Headers.Append("Link", "</app.js>; rel=preload; as=script");
    await Task.Delay(TimeSpan.FromMilliseconds(150), context.RequestAborted);   // the page's work
    return Results.Content(AutoHintsPage, "text/html; charset=utf-8");
});

// The hinted files. Cache headers let the browser reuse the preloaded copy instead of fetching it again.
app.MapGet("/style.css", (HttpResponse response) => Cached(response, "body { font-family: sans-serif; margin: 2rem; }\nh1 { color: #2b6cb0; }\n", "text/css"));
app.MapGet("/app.js", (HttpResponse response) => Cached(response, "document.getElementById('status').textContent = 'app.js loaded';\n", "text/javascript"));

// Streams {bytes} bytes in 16 KiB writes: run with Http2Features__Priority__Scheduling__Enabled=true and a u=0
// request on the same connection overtakes a running u=7 download. (Not in appsettings.json: the test projects
// copy that file and would turn scheduling on for every test app.)
var downloadChunk = new byte[16 * 1024];
app.MapGet("/download/{bytes:long}", async (HttpContext context, long bytes) =>
{
    context.Response.ContentType = "application/octet-stream";
    context.Response.ContentLength = bytes;
    for (var sent = 0L; sent < bytes; sent += downloadChunk.Length)
    {
        await context.Response.Body.WriteAsync(downloadChunk.AsMemory(0, (int)Math.Min(downloadChunk.Length, bytes - sent)), context.RequestAborted);
    }
});

app.MapGet("/health", () => "OK");

app.MapFallback("{*path}", () => Results.Text("Not Found\n", "text/plain", statusCode: StatusCodes.Status404NotFound));

app.Run();

// "2" for HTTP/2, "1.1" for HTTP/1.1 (gunicorn's http_version values).
static string HttpVersionOf(HttpContext context) => context.Request.Protocol switch
{
    "HTTP/2" => "2",
    "HTTP/3" => "3",
    "HTTP/1.0" => "1.0",
    _ => "1.1",
};

// Only what this request can really use: priority needs HTTP/2; trailers HTTP/2 or HTTP/1.1; 103 HTTP/1.1 or HTTP/2
// (and EarlyHints.Enabled, true unless you turn it off).
static List<string> ExtensionsOf(HttpContext context)
{
    var options = context.RequestServices.GetRequiredService<IOptionsMonitor<Http2FeaturesOptions>>().CurrentValue;
    var extensions = new List<string>();
    var isHttp2 = context.GetStreamPriority().HasHttp2Priority;   // HTTP/2 on a connection the pack observes
    if (isHttp2)
    {
        extensions.Add("http.response.priority");
    }

    if (context.GetTrailersFeature().IsSupported)
    {
        extensions.Add("http.response.trailers");
    }

    if (options.EarlyHints.Enabled && (isHttp2 || context.Request.Protocol == "HTTP/1.1"))
    {
        extensions.Add("http.response.early_hint");
    }

    return extensions;
}

static string Describe(int weight) =>
    $"Weight {weight}/256 - {(weight > 128 ? "high" : weight > 64 ? "normal" : "low")} priority";

static async Task<byte[]> ReadBodyAsync(HttpRequest request)
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    return buffer.ToArray();
}

#pragma warning disable CA5351 // content-md5 is what gunicorn's example sends: an integrity check, not security.
static string Md5Hex(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));
#pragma warning restore CA5351

static string Milliseconds(TimeSpan elapsed) =>
    elapsed.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";

// Pretty-printed and newline-terminated, like gunicorn's example.
static byte[] JsonBytes(object value) =>
    Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, JsonFormat.Indented) + "\n");

static IResult Json(object value) => Results.Bytes(JsonBytes(value), "application/json");

static async Task WriteJsonAsync(HttpResponse response, object value)
{
    response.ContentType = "application/json";
    await response.Body.WriteAsync(JsonBytes(value));
}

static IResult Cached(HttpResponse response, string content, string contentType)
{
    response.Headers.CacheControl = "public, max-age=3600";
    return Results.Text(content, contentType);
}

/// <summary>Entry point, public so tests can start the example on real Kestrel.</summary>
public partial class Program
{
    private const string EarlyHintsPage = """
        <!DOCTYPE html>
        <html>
        <head>
          <meta charset="utf-8">
          <title>103 Early Hints</title>
          <link rel="stylesheet" href="/style.css">
        </head>
        <body>
          <h1>103 Early Hints</h1>
          <p>The server sent <code>103 Early Hints</code> with preloads for /style.css and /app.js
          before it computed this page.</p>
          <p id="status">app.js not loaded</p>
          <script src="/app.js"></script>
        </body>
        </html>

        """;

    private const string AutoHintsPage = """
        <!DOCTYPE html>
        <html>
        <head>
          <meta charset="utf-8">
          <title>Automatic early hints</title>
          <link rel="stylesheet" href="/style.css">
        </head>
        <body>
          <h1>Automatic early hints</h1>
          <p>This page only sets <code>Link</code> headers. The server learned them from the first visit and now sends
          them as <code>103 Early Hints</code> before it computes the page. Reload to see it.</p>
          <p id="status">app.js not loaded</p>
          <script src="/app.js"></script>
        </body>
        </html>

        """;
}

internal static class JsonFormat
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
