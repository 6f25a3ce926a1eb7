using FluentAssertions;
using Http2Features.EarlyHints;
using Http2Features.Testing;
using Http2Features.Tests.EarlyHints.Automatic.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.EarlyHints.Automatic;

/// <summary>Declared hints (<c>.WithEarlyHints</c>, <c>[EarlyHint]</c>) on minimal APIs, controllers and Razor Pages: no handler code.</summary>
public class DeclaredEarlyHintsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<RawHttp2Response> GetAsync(RawHttp2Client client, string path) =>
        await (await client.SendRequestAsync(new RawHttp2Request("GET", path), Ct)).ReadResponseAsync(Timeout, Ct);

    [Fact]
    public async Task Minimal_API_endpoint_with_WithEarlyHints_sends_them_before_the_handler_runs_to_any_request()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.Enabled = false);
        await using var client = await app.CreateRawClientAsync();

        host.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/declared"), Ct);
        var hint = await stream.WaitForInformationalAsync(1, Timeout, Ct);   // while the handler still waits for the gate
        host.Gate.SetResult();
        var response = await stream.ReadResponseAsync(Timeout, Ct);

        response.BodyText.Should().Be("declared");
        response.Informational.Should().ContainSingle("declared hints need neither learning nor a navigation");
        hint.Headers.GetValues("link").Should().Equal("</declared.css>; rel=preload; as=style", "</declared.js>; rel=modulepreload");
    }

    [Fact]
    public async Task WithEarlyHints_on_a_group_applies_to_its_endpoints_and_adds_to_their_own()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync(extra: a =>
        {
            var group = a.MapGroup("/group").WithEarlyHints(EarlyHintLink.Preconnect("https://cdn.example.com"));
            group.MapGet("/a", () => "a").WithEarlyHints(EarlyHintLink.Preload("/a.css", "style"), EarlyHintLink.Preconnect("https://cdn.example.com"));
        });
        await using var client = await app.CreateRawClientAsync();

        var response = await GetAsync(client, "/group/a");

        response.Informational.Should().ContainSingle().Which.Headers.GetValues("link").Should().Equal(
            ["<https://cdn.example.com>; rel=preconnect", "</a.css>; rel=preload; as=style"], "duplicates are sent once, group metadata first");
    }

    [Fact]
    public async Task The_apps_own_call_after_the_declared_103_sends_only_the_links_it_lacked()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.Enabled = false);
        await using var client = await app.CreateRawClientAsync();

        var response = await GetAsync(client, "/declared-and-own");

        response.Informational.Should().HaveCount(2);
        response.Informational[0].Headers.GetValues("link").Should().Equal("</declared.css>; rel=preload; as=style");
        response.Informational[1].Headers.GetValues("link").Should().Equal("</own.js>; rel=preload; as=script");
        response.Headers.GetValues("x-own-result").Should().Equal("Sent");
    }

    [Fact]
    public async Task With_learning_the_apps_own_links_join_the_first_103_from_the_second_navigation_on_and_its_call_sends_nothing()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var first = await (await client.SendRequestAsync(AutomaticHintsTestHost.Navigation("/declared-and-own"), Ct)).ReadResponseAsync(Timeout, Ct);
        var second = await (await client.SendRequestAsync(AutomaticHintsTestHost.Navigation("/declared-and-own"), Ct)).ReadResponseAsync(Timeout, Ct);

        first.Informational.Should().HaveCount(2);
        second.Informational.Should().ContainSingle("everything the app asks for was already in the automatic 103")
            .Which.Headers.GetValues("link").Should().Equal("</declared.css>; rel=preload; as=style", "</own.js>; rel=preload; as=script");
        second.Headers.GetValues("x-own-result").Should().Equal("Sent");
        host.Logs.Entries.Should().Contain(e => e.Id.Id == 6053 && e.Id.Name == "EarlyHintsAlreadySent");
    }

    [Fact]
    public async Task Controller_and_action_EarlyHint_attributes_and_a_MapControllers_convention_all_go_into_one_103()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync(
            o => o.EarlyHints.Automatic.Enabled = false,
            extra: a => a.MapControllers().WithEarlyHints(EarlyHintLink.Preconnect("https://fonts.example.com", EarlyHintCrossOrigin.Anonymous)),
            configureServices: s => s.AddControllers().AddApplicationPart(typeof(EarlyHintsSampleController).Assembly));
        await using var client = await app.CreateRawClientAsync();

        var response = await GetAsync(client, "/mvc/hinted");

        response.BodyText.Should().Be("controller");
        response.Informational.Should().ContainSingle().Which.Headers.GetValues("link").Should().BeEquivalentTo(
            "</controller.css>; rel=preload; as=style",
            "</action.js>; rel=modulepreload",
            "<https://fonts.example.com>; rel=preconnect; crossorigin");
        (await GetAsync(client, "/mvc/plain")).Informational.Should().ContainSingle()
            .Which.Headers.GetValues("link").Should().NotContain("</action.js>; rel=modulepreload", "the action attribute is per action");
    }

    [Fact]
    public async Task Razor_Page_model_and_page_EarlyHint_attributes_go_into_one_103()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync(
            o => o.EarlyHints.Automatic.Enabled = false,
            extra: a => a.MapRazorPages(),
            configureServices: s => s.AddRazorPages(o => o.RootDirectory = "/EarlyHints/Automatic/Pages").AddApplicationPart(typeof(HintedPageModel).Assembly));
        await using var client = await app.CreateRawClientAsync();

        var response = await GetAsync(client, "/razor/hinted");

        response.Status.Should().Be(200);
        response.BodyText.Should().Contain("<p>razor page</p>");
        response.Informational.Should().ContainSingle().Which.Headers.GetValues("link").Should().BeEquivalentTo(
            "</model.js>; rel=preload; as=script", "</page-attribute.css>; rel=preload; as=style");
    }

    [Fact]
    public async Task Without_UseAutomaticEarlyHints_declared_hints_are_not_sent_and_warning_6052_says_what_to_add()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.Enabled = false, useMiddleware: false);
        await using var client = await app.CreateRawClientAsync();

        (await GetAsync(client, "/declared")).Informational.Should().BeEmpty();
        host.Logs.Entries.Should().ContainSingle(e => e.Id.Id == 6052).Which.Message.Should()
            .Contain("declares early hints").And.Contain("app.UseAutomaticEarlyHints()");
    }

    [Fact]
    public async Task With_UseAutomaticEarlyHints_there_is_no_warning_6052()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync();

        host.Logs.Entries.Should().NotContain(e => e.Id.Id == 6052);
    }
}

/// <summary>A controller with class and action early hints.</summary>
[Route("mvc")]
[EarlyHint("/controller.css", EarlyHintRel.Preload, As = "style")]
public sealed class EarlyHintsSampleController : ControllerBase
{
    [HttpGet("hinted")]
    [EarlyHint("/action.js", EarlyHintRel.ModulePreload)]
    public async Task<string> Hinted()
    {
        await Task.Delay(50, HttpContext.RequestAborted);
        return "controller";
    }

    [HttpGet("plain")]
    public string Plain() => HttpContext.Request.Path.Value!;
}
