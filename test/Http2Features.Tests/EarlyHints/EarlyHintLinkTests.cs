using FluentAssertions;
using Http2Features.EarlyHints;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintLinkTests
{
    [Fact]
    public void Preload_formats_target_in_angle_brackets_with_rel_and_as()
        => EarlyHintLink.Preload("/site.css", "style").ToString().Should().Be("</site.css>; rel=preload; as=style");

    [Fact]
    public void All_parameters_are_formatted_in_a_fixed_order_and_type_is_quoted()
    {
        var link = EarlyHintLink.Preload("/f.woff2", "font") with
        {
            CrossOrigin = EarlyHintCrossOrigin.Anonymous,
            Type = "font/woff2",
            FetchPriority = EarlyHintFetchPriority.High,
            NoPush = true,
        };

        link.ToString().Should().Be("</f.woff2>; rel=preload; as=font; crossorigin; type=\"font/woff2\"; fetchpriority=high; nopush");
    }

    [Fact]
    public void Quoted_string_parameters_escape_quote_and_backslash()
        => (EarlyHintLink.ModulePreload("/m.js") with { Type = "a\"b\\c" }).ToString()
            .Should().Be("</m.js>; rel=modulepreload; type=\"a\\\"b\\\\c\"");

    [Fact]
    public void Preconnect_dns_prefetch_and_use_credentials_are_formatted()
    {
        EarlyHintLink.Preconnect("https://cdn.example.com", EarlyHintCrossOrigin.UseCredentials).ToString()
            .Should().Be("<https://cdn.example.com>; rel=preconnect; crossorigin=use-credentials");
        EarlyHintLink.DnsPrefetch("https://cdn.example.com").ToString().Should().Be("<https://cdn.example.com>; rel=dns-prefetch");
        (EarlyHintLink.ModulePreload("/a.js") with { FetchPriority = EarlyHintFetchPriority.Low }).ToString()
            .Should().Be("</a.js>; rel=modulepreload; fetchpriority=low");
    }

    [Theory]
    [InlineData("/a b.css", 2)]
    [InlineData("/a>b", 2)]
    [InlineData("/a\r\nX: y", 2)]
    [InlineData("/é", 1)]
    public void Href_with_characters_a_uri_cannot_hold_is_refused_naming_the_index(string href, int index)
    {
        var act = () => EarlyHintLink.Preload(href, "style");
        act.Should().Throw<ArgumentException>().WithMessage($"*at index {index}*percent-encode*");
    }

    [Fact]
    public void As_must_be_a_token()
    {
        var act = () => EarlyHintLink.Preload("/a.css", "sty le");
        act.Should().Throw<ArgumentException>().WithMessage("*'as'*not an RFC 9110 token*");
    }

    [Fact]
    public void Type_with_control_character_is_refused()
    {
        var act = () => EarlyHintLink.Preload("/a.css", "style") with { Type = "text/css\r\n" };
        act.Should().Throw<ArgumentException>().WithMessage("*'type'*U+000D*");
    }
}
