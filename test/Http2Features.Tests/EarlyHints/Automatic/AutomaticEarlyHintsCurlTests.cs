using FluentAssertions;

namespace Http2Features.Tests.EarlyHints.Automatic;

/// <summary>curl, an independent HTTP/2 client, sees no 103 on the first navigation and the learned one on the second.</summary>
public class AutomaticEarlyHintsCurlTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Curl_over_HTTP2_gets_no_103_first_and_then_a_103_with_the_learned_links_before_the_200()
    {
        var curl = ExternalTool.Require("curl", "curl");
        var host = new AutomaticHintsTestHost();
        await using var app = await host.StartAsync();
        string[] args = ["-sS", "-v", "-k", "--http2", "-o", "/dev/null", "-H", "sec-fetch-mode: navigate", "-H", "sec-fetch-dest: document",
            new Uri(app.BaseAddress, "/page/1").ToString()];

        var (firstExit, first) = await ExternalTool.RunAsync(curl, args, ToolTimeout);
        var (secondExit, second) = await ExternalTool.RunAsync(curl, args, ToolTimeout);

        firstExit.Should().Be(0, first);
        first.Should().NotContain("< HTTP/2 103").And.Contain("< HTTP/2 200");
        secondExit.Should().Be(0, second);
        var hint = second.IndexOf("< HTTP/2 103", StringComparison.Ordinal);
        var style = second.IndexOf("< link: </style.css>; rel=preload; as=style", StringComparison.Ordinal);
        var script = second.IndexOf("< link: </app.js>; rel=preload; as=script", StringComparison.Ordinal);
        var final = second.IndexOf("< HTTP/2 200", StringComparison.Ordinal);
        hint.Should().BeGreaterThan(-1, second);
        style.Should().BeGreaterThan(hint, second);
        script.Should().BeGreaterThan(style, second);
        final.Should().BeGreaterThan(script, second);
        second[hint..final].Should().NotContain("set-cookie").And.NotContain("x-page");
    }
}
