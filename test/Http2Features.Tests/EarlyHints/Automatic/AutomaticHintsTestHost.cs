using Http2Features.EarlyHints;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.EarlyHints.Automatic;

/// <summary>
/// Real Kestrel (TLS, h2 + http/1.1) with <c>UseAutomaticEarlyHints()</c> and pages that only set <c>Link</c> headers
/// (what they set is changeable at run time), pages with declared hints, and a page that also sends its own 103.
/// </summary>
internal sealed class AutomaticHintsTestHost
{
    public const string NavigateMode = "navigate";

    /// <summary>The <c>Link</c> field values <c>/page/...</c> sets on its response.</summary>
    public string[] PageLinks { get; set; } = ["</style.css>; rel=preload; as=style", "</app.js>; rel=preload; as=script"];

    /// <summary>How long <c>/page/...</c> takes before it answers.</summary>
    public TimeSpan PageDelay { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>When set, <c>/page/...</c> and <c>/declared</c> wait for it instead of <see cref="PageDelay"/>: a test can see the 103 while the handler is provably still running.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public CapturingLoggerProvider Logs { get; } = new();

    public Task<Http2TestApp> StartAsync(
        Action<Http2FeaturesOptions>? configure = null,
        Action<WebApplication>? extra = null,
        bool useMiddleware = true,
        Action<IServiceCollection>? configureServices = null)
        => Http2TestApp.StartAsync(
            app =>
            {
                if (useMiddleware)
                {
                    app.UseAutomaticEarlyHints();
                }

                Map(app);
                extra?.Invoke(app);
            },
            builder =>
            {
                builder.Services.AddHttp2Features(o =>
                {
                    o.EarlyHints.Automatic.Enabled = true;
                    configure?.Invoke(o);
                });
                configureServices?.Invoke(builder.Services);
                builder.Logging.AddProvider(Logs);
                builder.Logging.AddFilter<CapturingLoggerProvider>("Http2Features", LogLevel.Debug);
            },
            new Http2TestAppOptions { Protocols = HttpProtocols.Http1AndHttp2, MinimumLogLevel = LogLevel.Warning });

    public static RawHttp2Request Navigation(string path) =>
        new RawHttp2Request("GET", path).WithHeader("sec-fetch-mode", NavigateMode).WithHeader("sec-fetch-dest", "document");

    private Task WorkAsync(HttpContext context) =>
        Gate is { } gate ? gate.Task.WaitAsync(context.RequestAborted) : Task.Delay(PageDelay, context.RequestAborted);

    private void Map(WebApplication app)
    {
        app.MapGet("/page/{id?}", async (HttpContext context) =>
        {
            foreach (var link in PageLinks)
            {
                context.Response.Headers.Append("Link", link);
            }

            context.Response.Headers.SetCookie = "session=secret";
            context.Response.Headers["x-page"] = "1";
            await WorkAsync(context);
            return "page";
        });

        app.MapGet("/private", (HttpContext context) =>
        {
            context.Response.Headers.Link = "</secret.css>; rel=preload; as=style";
            context.Response.Headers.CacheControl = "private, max-age=60";
            return "private";
        });

        app.MapGet("/not-learned", (HttpContext context) =>
        {
            context.Response.Headers.Link = "</style.css>; rel=preload; as=style";
            return "no";
        }).DisableLearnedEarlyHints();

        app.MapGet("/declared", async (HttpContext context) =>
        {
            await WorkAsync(context);
            return "declared";
        }).WithEarlyHints(EarlyHintLink.Preload("/declared.css", "style"), EarlyHintLink.ModulePreload("/declared.js"));

        app.MapGet("/own", async (HttpContext context) =>
        {
            // Neither declared hints nor a Link header: only the app's own 103.
            var result = await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/own.js", "script"));
            context.Response.Headers["x-own-result"] = result.ToString();
            return "own";
        });

        app.MapGet("/declared-and-own", async (HttpContext context) =>
        {
            // The app's own call: one link the declared 103 already carried, one it lacked.
            var result = await context.Response.SendEarlyHintsAsync(
                EarlyHintLink.Preload("/declared.css", "style"),
                EarlyHintLink.Preload("/own.js", "script"));
            context.Response.Headers["x-own-result"] = result.ToString();
            await Task.Delay(PageDelay, context.RequestAborted);
            return "declared-and-own";
        }).WithEarlyHints(EarlyHintLink.Preload("/declared.css", "style"));
    }
}
