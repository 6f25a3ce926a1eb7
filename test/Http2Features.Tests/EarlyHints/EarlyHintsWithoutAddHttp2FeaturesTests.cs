using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.EarlyHints;

/// <summary>
/// docs/http2.md ("Requirements", the status table): an app that never called <c>AddHttp2Features()</c> gets
/// <see cref="EarlyHintsStatus.NoConnectionSeam"/> and warning 6003 (once, naming <c>AddHttp2Features()</c>) instead of an
/// exception, on real Kestrel (HTTP/2 and HTTP/1.1) and under TestServer alike; an endpoint with an explicit
/// <c>UseHttp2Features()</c> still sends its 103 with the default options.
/// </summary>
public sealed class EarlyHintsWithoutAddHttp2FeaturesTests
{
    private const int NoSeamEventId = 6003;

    [Fact]
    public async Task On_Kestrel_without_AddHttp2Features_HTTP2_and_HTTP11_requests_get_NoConnectionSeam_a_200_and_one_warning_6003()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await Http2TestApp.StartAsync(MapHint, b => b.Logging.AddProvider(logs));

        var h2 = await app.CreateHttp2Client().GetAsync("/hint", TestContext.Current.CancellationToken);
        var h1 = await app.CreateHttp11Client().GetAsync("/hint", TestContext.Current.CancellationToken);

        h2.Version.Should().Be(new Version(2, 0));
        ((int)h2.StatusCode).Should().Be(200);
        (await h2.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Be("NoConnectionSeam");
        h1.Version.Should().Be(new Version(1, 1));
        ((int)h1.StatusCode).Should().Be(200);
        (await h1.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Be("NoConnectionSeam");
        var warnings = logs.Entries.Where(e => e.Id.Id == NoSeamEventId).ToList();
        warnings.Should().ContainSingle("warning 6003 is logged once per app");
        warnings[0].Level.Should().Be(LogLevel.Warning);
        warnings[0].Id.Name.Should().Be("EarlyHintsNoConnectionSeam");
        warnings[0].Message.Should().Contain("AddHttp2Features()");
    }

    [Fact]
    public async Task Under_TestServer_without_AddHttp2Features_the_call_reports_NoConnectionSeam_and_warns_once()
    {
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Logging.AddProvider(logs);
        await using var app = builder.Build();
        MapHint(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = app.GetTestClient();

        var first = await client.GetStringAsync("/hint", TestContext.Current.CancellationToken);
        var second = await client.GetStringAsync("/hint", TestContext.Current.CancellationToken);

        first.Should().Be("NoConnectionSeam");
        second.Should().Be("NoConnectionSeam");
        logs.Entries.Where(e => e.Id.Id == NoSeamEventId).Should().ContainSingle().Which.Message.Should().Contain("AddHttp2Features()");
    }

    [Fact]
    public async Task On_Kestrel_an_explicit_UseHttp2Features_endpoint_without_AddHttp2Features_sends_the_103_before_the_200()
    {
        await using var app = await Http2TestApp.StartAsync(
            MapHint,
            options: new Http2TestAppOptions { ConfigureListenOptions = lo => lo.UseHttp2Features() });
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/hint", TestContext.Current.CancellationToken);

        response.Informational.Should().ContainSingle().Which.Status.Should().Be(103);
        response.Informational[0].Headers.GetValues("link").Should().Equal("</a.css>; rel=preload; as=style");
        response.Status.Should().Be(200);
        response.BodyText.Should().Be("Sent");
    }

    [Fact]
    public async Task A_bare_HttpContext_without_services_reports_NoConnectionSeam_and_still_refuses_invalid_links()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().BuildServiceProvider() };
        context.Request.Protocol = "HTTP/1.1";

        var result = await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/a.css", "style"));
        var invalid = async () => await context.Response.SendEarlyHintsAsync([new KeyValuePair<string, string>("link", "</a.css>\r\nx: y")]);

        result.Status.Should().Be(EarlyHintsStatus.NoConnectionSeam);
        result.IsSent.Should().BeFalse();
        await invalid.Should().ThrowAsync<ArgumentException>();
    }

    private static void MapHint(WebApplication app) => app.MapGet("/hint", async (HttpContext context) =>
    {
        var result = await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/a.css", "style"));
        return result.Status.ToString();
    });
}
