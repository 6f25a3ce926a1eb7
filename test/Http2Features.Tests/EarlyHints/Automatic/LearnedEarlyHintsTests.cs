using FluentAssertions;
using Http2Features.Testing;
using Http2Features.Tests.EarlyHints;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.EarlyHints.Automatic;

/// <summary>Learned hints over real Kestrel and the raw HTTP/2 client: learn from one navigation, replay on the next.</summary>
public class LearnedEarlyHintsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<RawHttp2Response> NavigateAsync(RawHttp2Client client, string path) =>
        await (await client.SendRequestAsync(AutomaticHintsTestHost.Navigation(path), Ct)).ReadResponseAsync(Timeout, Ct);

    [Fact]
    public async Task First_navigation_gets_no_103_and_the_next_gets_the_learned_links_in_one_103_before_the_200()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var first = await NavigateAsync(client, "/page/1");
        host.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = await client.SendRequestAsync(AutomaticHintsTestHost.Navigation("/page/2?utm=x"), Ct);
        await stream.WaitForInformationalAsync(1, Timeout, Ct);   // arrives while the handler waits for the gate
        host.Gate.SetResult();
        var second = await stream.ReadResponseAsync(Timeout, Ct);

        first.Status.Should().Be(200);
        first.Informational.Should().BeEmpty("nothing was learned before the first response");
        second.Status.Should().Be(200);
        var hint = second.Informational.Should().ContainSingle().Subject;
        hint.Status.Should().Be(103);
        hint.Headers.GetValues("link").Should().Equal("</style.css>; rel=preload; as=style", "</app.js>; rel=preload; as=script");
        hint.Headers.Select(h => h.Key).Should().OnlyContain(name => name == "link" || name == ":status", "only Link fields are ever replayed (no set-cookie, no x-page)");
        hint.FrameSequence.Should().BeLessThan(second.HeadersFrameSequence);
        second.Headers.GetValues("link").Should().HaveCount(2, "the final response is the app's own, untouched");
    }

    [Fact]
    public async Task Links_the_app_sends_itself_on_a_page_with_nothing_declared_are_learned_and_then_go_first()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        var first = await NavigateAsync(client, "/own");
        var second = await NavigateAsync(client, "/own");

        first.Informational.Should().ContainSingle("the app's own 103; nothing was learned yet")
            .Which.Headers.GetValues("link").Should().Equal("</own.js>; rel=preload; as=script");
        second.Informational.Should().ContainSingle("the automatic 103 already carried the app's link, so its call sent nothing")
            .Which.Headers.GetValues("link").Should().Equal("</own.js>; rel=preload; as=script");
        second.Headers.GetValues("x-own-result").Should().Equal("Sent");
    }

    [Fact]
    public async Task Changed_links_replace_the_learned_set_and_log_event_6050()
    {
        var host = new AutomaticHintsTestHost { PageDelay = TimeSpan.FromMilliseconds(20) };
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        await NavigateAsync(client, "/page/1");
        host.PageLinks = ["</v2.css>; rel=preload; as=style"];
        var stale = await NavigateAsync(client, "/page/1");
        var fresh = await NavigateAsync(client, "/page/1");

        stale.Informational.Should().ContainSingle().Which.Headers.GetValues("link").Should().Equal(
            "</style.css>; rel=preload; as=style", "</app.js>; rel=preload; as=script");
        fresh.Informational.Should().ContainSingle().Which.Headers.GetValues("link").Should().Equal("</v2.css>; rel=preload; as=style");
        var changes = host.Logs.Entries.Where(e => e.Id.Id == 6050).ToList();
        changes.Should().HaveCount(2);
        changes.Should().OnlyContain(e => e.Id.Name == "LearnedEarlyHintsChanged" && e.Level == LogLevel.Information);
        changes[0].Message.Should().Be("Learned early hints for /page/{id?} learned: 2 link(s) </style.css>; rel=preload; as=style, </app.js>; rel=preload; as=script.");
        changes[1].Message.Should().Be("Learned early hints for /page/{id?} changed: 1 link(s) </v2.css>; rel=preload; as=style.");
    }

    [Fact]
    public async Task Links_that_go_away_remove_the_entry()
    {
        var host = new AutomaticHintsTestHost { PageDelay = TimeSpan.Zero };
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        await NavigateAsync(client, "/page");
        host.PageLinks = [];
        (await NavigateAsync(client, "/page")).Informational.Should().ContainSingle();
        (await NavigateAsync(client, "/page")).Informational.Should().BeEmpty();
        host.Logs.Entries.Should().Contain(e => e.Id.Id == 6050 && e.Message.Contains("removed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_same_origin_preload_preconnect_and_modulepreload_links_are_learned_by_default()
    {
        var host = new AutomaticHintsTestHost
        {
            PageDelay = TimeSpan.Zero,
            PageLinks =
            [
                "</a.css>; rel=preload; as=style, </b.css>; rel=stylesheet, <c.js>; rel=preload; as=script",
                "<https://cdn.example.com>; rel=preconnect",
                "<//cdn.example.com/d.js>; rel=modulepreload",
                "</e.js>; rel=\"modulepreload\"; crossorigin",
                "</f.png>; rel=prefetch",
                "</a.css>; rel=preload; as=\"style\"; fetchpriority=high",
            ],
        };
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        await NavigateAsync(client, "/page");
        var second = await NavigateAsync(client, "/page");

        second.Informational.Should().ContainSingle().Which.Headers.GetValues("link").Should().Equal(
            ["</a.css>; rel=preload; as=style", "</e.js>; rel=\"modulepreload\"; crossorigin"],
            "stylesheet/prefetch are not hints, a relative target resolves per path, other origins need AllowOtherOrigins, the second /a.css is a duplicate");
    }

    [Fact]
    public async Task AllowOtherOrigins_learns_preconnect_and_cross_origin_targets()
    {
        var host = new AutomaticHintsTestHost
        {
            PageDelay = TimeSpan.Zero,
            PageLinks = ["<https://cdn.example.com>; rel=preconnect", "<//cdn.example.com/d.js>; rel=modulepreload"],
        };
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.AllowOtherOrigins = true);
        await using var client = await app.CreateRawClientAsync();

        await NavigateAsync(client, "/page");
        var second = await NavigateAsync(client, "/page");

        second.Informational.Should().ContainSingle().Which.Headers.GetValues("link").Should().Equal(
            "<https://cdn.example.com>; rel=preconnect", "<//cdn.example.com/d.js>; rel=modulepreload");
    }

    [Fact]
    public async Task Requests_that_are_not_navigations_neither_learn_nor_get_hints_by_default()
    {
        var host = new AutomaticHintsTestHost { PageDelay = TimeSpan.Zero };
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        await client.GetAsync("/page", Ct);
        (await client.GetAsync("/page", Ct)).Informational.Should().BeEmpty("a fetch() learns nothing");
        await NavigateAsync(client, "/page");
        var fetch = await (await client.SendRequestAsync(new RawHttp2Request("GET", "/page").WithHeader("sec-fetch-mode", "cors").WithHeader("sec-fetch-dest", "empty"), Ct))
            .ReadResponseAsync(Timeout, Ct);
        var destOnly = await (await client.SendRequestAsync(new RawHttp2Request("GET", "/page").WithHeader("sec-fetch-dest", "document"), Ct))
            .ReadResponseAsync(Timeout, Ct);

        fetch.Informational.Should().BeEmpty("browsers use a 103 only on navigations");
        destOnly.Informational.Should().ContainSingle("Sec-Fetch-Dest: document alone marks a navigation too");
    }

    [Fact]
    public async Task NavigationsOnly_false_learns_from_and_replays_to_any_GET()
    {
        var host = new AutomaticHintsTestHost { PageDelay = TimeSpan.Zero };
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.NavigationsOnly = false);
        await using var client = await app.CreateRawClientAsync();

        await client.GetAsync("/page", Ct);
        var second = await client.GetAsync("/page", Ct);
        var post = await (await client.SendRequestAsync(new RawHttp2Request("POST", "/page"), Ct)).ReadResponseAsync(Timeout, Ct);

        second.Informational.Should().ContainSingle();
        post.Informational.Should().BeEmpty("only GET is learned from and replayed to");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Http11_navigations_get_learned_hints_only_with_AllowHttp11_and_HTTP10_never(bool allowHttp11)
    {
        var host = new AutomaticHintsTestHost { PageDelay = TimeSpan.Zero };
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.AllowHttp11 = allowHttp11);
        await using var client = await app.CreateRawClientAsync();
        await NavigateAsync(client, "/page");
        const string Headers = "Host: 127.0.0.1\r\nSec-Fetch-Mode: navigate\r\nConnection: close\r\n\r\n";

        var http11 = await EarlyHintsHttp1Tests.RawTlsExchangeAsync(app, "GET /page HTTP/1.1\r\n" + Headers);
        var http10 = await EarlyHintsHttp1Tests.RawTlsExchangeAsync(app, "GET /page HTTP/1.0\r\n" + Headers);

        if (allowHttp11)
        {
            http11.Should().StartWith("HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload; as=style\r\nlink: </app.js>; rel=preload; as=script\r\n\r\nHTTP/1.1 200 OK\r\n");
        }
        else
        {
            http11.Should().StartWith("HTTP/1.1 200 OK\r\n");
        }

        http10.Should().StartWith("HTTP/1.1 200 OK\r\n").And.NotContain("103");
    }

    [Fact]
    public async Task Private_responses_and_opted_out_endpoints_are_not_learned()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync();

        await NavigateAsync(client, "/private");
        await NavigateAsync(client, "/not-learned");
        var authorized = AutomaticHintsTestHost.Navigation("/page").WithHeader("authorization", "Bearer x");
        host.PageDelay = TimeSpan.Zero;
        await (await client.SendRequestAsync(authorized, Ct)).ReadResponseAsync(Timeout, Ct);

        (await NavigateAsync(client, "/private")).Informational.Should().BeEmpty("Cache-Control: private");
        (await NavigateAsync(client, "/not-learned")).Informational.Should().BeEmpty(".DisableLearnedEarlyHints()");
        (await NavigateAsync(client, "/page")).Informational.Should().BeEmpty("a request with Authorization taught nothing");
    }

    [Fact]
    public async Task LearnFromPrivateResponses_learns_them()
    {
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.LearnFromPrivateResponses = true);
        await using var client = await app.CreateRawClientAsync();

        await NavigateAsync(client, "/private");

        (await NavigateAsync(client, "/private")).Informational.Should().ContainSingle()
            .Which.Headers.GetValues("link").Should().Equal("</secret.css>; rel=preload; as=style");
    }

    [Fact]
    public async Task Automatic_disabled_learns_nothing()
    {
        var host = new AutomaticHintsTestHost { PageDelay = TimeSpan.Zero };
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.Enabled = false);
        await using var client = await app.CreateRawClientAsync();

        await NavigateAsync(client, "/page");

        (await NavigateAsync(client, "/page")).Informational.Should().BeEmpty();
    }

    [Fact]
    public async Task KeyRouteValues_give_each_value_its_own_learned_set()
    {
        var host = new AutomaticHintsTestHost { PageDelay = TimeSpan.Zero, PageLinks = ["</one.css>; rel=preload; as=style"] };
        await using var app = await host.StartAsync(o => o.EarlyHints.Automatic.KeyRouteValues.Add("id"));
        await using var client = await app.CreateRawClientAsync();

        await NavigateAsync(client, "/page/1");
        host.PageLinks = ["</two.css>; rel=preload; as=style"];
        await NavigateAsync(client, "/page/2");

        (await NavigateAsync(client, "/page/1")).Informational.Should().ContainSingle().Which.Headers.GetValues("link").Should().Equal("</one.css>; rel=preload; as=style");
        (await NavigateAsync(client, "/page/3")).Informational.Should().BeEmpty();
    }
}
