using System.Collections.Concurrent;
using Http2Features.EarlyHints;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.EarlyHints;

/// <summary>Real Kestrel with the pack and a few endpoints that send hints; results are recorded for assertions.</summary>
internal sealed class EarlyHintsTestHost
{
    public ConcurrentQueue<(string Path, EarlyHintsResult Result)> Results { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();


    public static byte[] BodyOf(int length)
    {
        var body = new byte[length];
        for (var i = 0; i < body.Length; i++)
        {
            body[i] = (byte)(i * 31 + (i >> 10));
        }

        return body;
    }

    public Task<Http2TestApp> StartAsync(
        Action<EarlyHintsOptions>? configure = null,
        bool tls = true,
        HttpProtocols? protocols = null,
        bool seam = true,
        Action<WebApplication>? extra = null,
        Microsoft.Extensions.Logging.LogLevel logLevel = Microsoft.Extensions.Logging.LogLevel.Warning)
        => Http2TestApp.StartAsync(
            app =>
            {
                Map(app);
                extra?.Invoke(app);
            },
            builder =>
            {
                if (seam)
                {
                    builder.Services.AddHttp2Features(o => configure?.Invoke(o.EarlyHints));
                }
                else
                {
                    // The capability's services without the connection seam (which AddHttp2Features installs everywhere).
                    builder.Services.AddOptions<Http2FeaturesOptions>().Configure(o => configure?.Invoke(o.EarlyHints));
                    EarlyHintsServiceCollectionExtensions.AddHttp2EarlyHints(builder.Services);
                }
            },
            new Http2TestAppOptions
            {
                Tls = tls,
                Protocols = protocols,
                ConfigureListenOptions = seam ? listen => listen.UseHttp2Features() : null,
                MinimumLogLevel = logLevel,
            });

    private void Map(WebApplication app)
    {
        app.MapGet("/hint", async (HttpContext context, int? delay, int? calls) =>
        {
            for (var i = 0; i < (calls ?? 1); i++)
            {
                var result = await context.Response.SendEarlyHintsAsync(
                    EarlyHintLink.Preload($"/style{i}.css", "style"),
                    EarlyHintLink.Preload($"/app{i}.js", "script") with { FetchPriority = EarlyHintFetchPriority.High });
                Results.Enqueue(("/hint", result));
            }

            if (delay is > 0)
            {
                await Task.Delay(delay.Value, context.RequestAborted);
            }

            return "ok";
        });

        app.MapGet("/big-headers", async (HttpContext context) =>
        {
            Results.Enqueue(("/big-headers", await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/s.css", "style"))));
            context.Response.Headers["x-big"] = new string('h', 20 * 1024);
            return "ok";
        });

        app.MapGet("/big-hint", async (HttpContext context) =>
        {
            var links = Enumerable.Range(0, 300).Select(i => EarlyHintLink.Preload($"/assets/file-{i:D4}-{new string('x', 60)}.css", "style"));
            Results.Enqueue(("/big-hint", await context.Response.SendEarlyHintsAsync(links)));
            return "ok";
        });

        app.MapGet("/big-body", async (HttpContext context, int? size) =>
        {
            Results.Enqueue(("/big-body", await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/s.css", "style"))));
            await context.Response.Body.WriteAsync(BodyOf(size ?? 10 * 1024 * 1024));
        });

        app.MapGet("/after-start", async (HttpContext context) =>
        {
            await context.Response.WriteAsync("started;");
            await context.Response.Body.FlushAsync();
            try
            {
                await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/s.css", "style"));
                await context.Response.WriteAsync("no exception");
            }
            catch (InvalidOperationException ex)
            {
                await context.Response.WriteAsync(ex.Message);
            }
        });

        app.MapGet("/hint-then-wait-abort", async (HttpContext context) =>
        {
            Results.Enqueue(("/hint-then-wait-abort#1", await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/s.css", "style"))));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            Results.Enqueue(("/hint-then-wait-abort#2", await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/t.css", "style"))));
        });
    }

    public async Task<EarlyHintsResult> WaitForResultAsync(string path, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (p, r) in Results)
            {
                if (p == path)
                {
                    return r;
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"No early hints result recorded for {path}.");
    }
}
