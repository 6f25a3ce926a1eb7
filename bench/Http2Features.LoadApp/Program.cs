// The app bench/run-load.sh and bench/soak.sh measure: the same endpoints with the pack off (bare Kestrel, doing
// by hand what it can) and on. Usage: Http2Features.LoadApp <port> <on|off|hand|auto>
//   hand: the pack on (the seam installed) but every path done by hand as "off" does: "hand" vs "on" is the cost of
//         the feature itself (producer, priority feature, 103), without the seam's fixed cost
//   auto: the pack on plus app.UseAutomaticEarlyHints() with EarlyHints:Automatic:Enabled=true (issue 16's miss-path
//         cost: no path here sets a Link header, so nothing is ever learned)
//   /          tiny response                       (scenario a: the seam's fixed cost)
//   /hints     103 Early Hints + 2 KB body         (off: the 2 KB body only; bare Kestrel cannot send a 103)
//   /trailers  2 KB body + repr-digest trailer     (off: SHA-256 by hand + Kestrel's AppendTrailer)
//   /priority  reads the stream's priority         (off: the RFC 9218 priority header, all bare Kestrel has)
//   /hints-slow  103 then 20 ms of "work" then 2 KB  (bench/hint-latency.sh: time to the 103 at idle; off: no 103)
//   /_alloc    bytes allocated by the process so far (bench/cpu-per-request.sh reads it before and after a run)
//   /_rss      resident set in bytes after a full compacting GC (PriorityMemoryRssTests)
//   /_max-streams  Kestrel's Limits.Http2.MaxStreamsPerConnection (bench/priority-memory.sh checks it)
//   /_alloctypes  LOADAPP_ALLOC_TYPES=1: sampled allocations by type (?reset=true clears them)
//   /_cpu      the process's user+system CPU time so far in µs (getrusage: exact, unlike /proc's 10 ms ticks)
//   /download/{bytes}  that many bytes in 16 KiB writes (bench/priority-shaped-link.sh; the same on and off)
// LOADAPP_ADDRESS picks the listen address (default 127.0.0.1); Kestrel__Limits__* set Kestrel's limits; options come
// from configuration as usual,
// e.g. Http2Features__Priority__Scheduling__Enabled=true.
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Http2Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var mode = args.Length > 1 ? args[1] : "off";
var automatic = mode == "auto";
var packInstalled = mode is "on" or "hand" || automatic;
var packOn = packInstalled && mode != "hand";   // the paths use the pack's features

using var key = RSA.Create(2048);
var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
using var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseKestrelHttpsConfiguration();

// The slim builder does not bind the "Kestrel" section to Kestrel's limits (CreateBuilder does): bind them here, so
// Kestrel__Limits__Http2__MaxStreamsPerConnection=100000 (bench/priority-memory.sh, PriorityMemoryRssTests) applies.
builder.WebHost.ConfigureKestrel(k => builder.Configuration.GetSection("Kestrel:Limits").Bind(k.Limits));
var address = Environment.GetEnvironmentVariable("LOADAPP_ADDRESS") is { Length: > 0 } a ? IPAddress.Parse(a) : IPAddress.Loopback;
builder.WebHost.ConfigureKestrel(k => k.Listen(address, port, lo =>
{
    lo.Protocols = HttpProtocols.Http1AndHttp2;
    lo.UseHttps(certificate);
}));
// Buffers below the response scheduler (bench/priority-shaped-link.sh): Kestrel's per-stream response buffer and the
// socket transport's output pipe, both 64 KiB by default. Unset: the defaults.
if (Environment.GetEnvironmentVariable("LOADAPP_MAX_RESPONSE_BUFFER") is { Length: > 0 } responseBuffer)
{
    builder.WebHost.ConfigureKestrel(k => k.Limits.MaxResponseBufferSize = long.Parse(responseBuffer, System.Globalization.CultureInfo.InvariantCulture));
}

if (Environment.GetEnvironmentVariable("LOADAPP_MAX_WRITE_BUFFER") is { Length: > 0 } writeBuffer)
{
    builder.WebHost.UseSockets(o => o.MaxWriteBufferSize = long.Parse(writeBuffer, System.Globalization.CultureInfo.InvariantCulture));
}

if (packInstalled)
{
    builder.Services.AddHttp2Features(o => o.EarlyHints.Automatic.Enabled = automatic);
}

var body = new byte[2048];
for (var i = 0; i < body.Length; i++)
{
    body[i] = (byte)('a' + (i % 26));
}

var app = builder.Build();
if (automatic)
{
    app.UseAutomaticEarlyHints();
}

app.MapGet("/", () => Results.Text("hello"));
app.MapGet("/_alloc", () => Results.Text(GC.GetTotalAllocatedBytes(precise: true).ToString(CultureInfo.InvariantCulture)));

// The process's resident set after a full compacting GC (bytes): what the connections hold, not garbage waiting for
// a collection (PriorityMemoryRssTests compares this growth with the pack and without).
// Kestrel's effective HTTP/2 stream limit: bench/priority-memory.sh checks the Kestrel__Limits__* it set applied.
app.MapGet("/_max-streams", (Microsoft.Extensions.Options.IOptions<KestrelServerOptions> kestrel) =>
    Results.Text(kestrel.Value.Limits.Http2.MaxStreamsPerConnection.ToString(CultureInfo.InvariantCulture)));
app.MapGet("/_rss", () =>
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    return Results.Text(Environment.WorkingSet.ToString(CultureInfo.InvariantCulture));
});
using var sampler = Environment.GetEnvironmentVariable("LOADAPP_ALLOC_TYPES") == "1" ? new AllocationSampler() : null;
app.MapGet("/_alloctypes", (bool? reset) =>
{
    var report = sampler?.Report() ?? "LOADAPP_ALLOC_TYPES=1 not set\n";
    if (reset == true)
    {
        sampler?.Reset();
    }

    return Results.Text(report);
});
app.MapGet("/_cpu", () => Results.Text(ResourceUsage.ProcessCpuMicroseconds().ToString(CultureInfo.InvariantCulture)));

var chunk = new byte[16 * 1024];
app.MapGet("/download/{bytes:long}", async (HttpContext context, long bytes) =>
{
    context.Response.ContentLength = bytes;
    for (var sent = 0L; sent < bytes; sent += chunk.Length)
    {
        await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - sent)), context.RequestAborted);
    }
});

app.MapGet("/hints", async (HttpContext context) =>
{
    if (packOn)
    {
        await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/style.css", "style"), EarlyHintLink.Preload("/app.js", "script"));
    }

    await context.Response.Body.WriteAsync(body);
});

app.MapGet("/hints-slow", async (HttpContext context) =>
{
    if (packOn)
    {
        await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/style.css", "style"), EarlyHintLink.Preload("/app.js", "script"));
    }

    await Task.Delay(20, context.RequestAborted);
    await context.Response.Body.WriteAsync(body);
});

if (packOn)
{
    app.MapGet("/trailers", (HttpContext context) => context.Response.Body.WriteAsync(body).AsTask())
        .WithChecksumTrailers(ChecksumTrailers.ReprDigestSha256);
    // HTTP/1.1 trailer cost (h2load --h1): the same chunked 2 KB with no trailer, with one fixed trailer, by the pack.
    app.MapGet("/chunked", (HttpContext context) => context.Response.Body.WriteAsync(body).AsTask());
    app.MapGet("/trailer-fixed", async (HttpContext context) =>
    {
        context.Response.AnnounceTrailers("x-a");
        await context.Response.Body.WriteAsync(body);
        await context.Response.SendTrailersAsync("x-a", "1");
    });
    app.MapGet("/priority", (HttpContext context) =>
    {
        var priority = context.GetStreamPriority();
        return context.Response.WriteAsync(priority.Urgency.ToString(CultureInfo.InvariantCulture));
    });
}
else
{
    app.MapGet("/trailers", async (HttpContext context) =>
    {
        context.Response.DeclareTrailer("repr-digest");
        await context.Response.Body.WriteAsync(body);
        if (context.Response.SupportsTrailers())
        {
            context.Response.AppendTrailer("repr-digest", "sha-256=:" + Convert.ToBase64String(SHA256.HashData(body)) + ":");
        }
    });
    app.MapGet("/priority", (HttpContext context) =>
    {
        var header = context.Request.Headers["priority"].ToString();
        return context.Response.WriteAsync(header.Length == 0 ? "3" : header);
    });
}

app.Run();

internal static partial class ResourceUsage
{
    private const int RusageSelf = 0;

    // struct rusage on 64-bit Linux: two struct timeval (seconds, microseconds) then 14 longs.
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long Rest0, Rest1, Rest2, Rest3, Rest4, Rest5, Rest6, Rest7, Rest8, Rest9, Rest10, Rest11, Rest12, Rest13;
    }

    /// <summary>User + system CPU of every thread of the process, dead ones included.</summary>
    public static long ProcessCpuMicroseconds()
    {
        if (GetRUsage(RusageSelf, out var usage) != 0)
        {
            return -1;
        }

        return (usage.UserSeconds + usage.SystemSeconds) * 1_000_000 + usage.UserMicroseconds + usage.SystemMicroseconds;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRUsage(int who, out RUsage usage);
}
