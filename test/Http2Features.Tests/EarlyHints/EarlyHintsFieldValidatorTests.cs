using FluentAssertions;
using Http2Features.EarlyHints;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintsFieldValidatorTests
{
    private static void Validate(string name, string value, int max = 8192)
        => EarlyHintsFieldValidator.Validate([new(name, value)], max, "fields");

    [Theory]
    [InlineData("\r", "CR")]
    [InlineData("\n", "LF")]
    [InlineData("\0", "NUL")]
    public void CR_LF_and_NUL_in_values_are_refused_as_response_splitting(string bad, string label)
    {
        var act = () => Validate("link", "</a.css>" + bad + "x: y");
        act.Should().Throw<ArgumentException>().WithMessage($"*'link'*{label} at index 8*response splitting*");
    }

    [Fact]
    public void Pseudo_headers_are_refused()
    {
        var act = () => Validate(":status", "200");
        act.Should().Throw<ArgumentException>().WithMessage("*':status' is a pseudo-header*");
    }

    [Theory]
    [InlineData("li nk", 2)]
    [InlineData("link:", 4)]
    [InlineData("li\u00e9", 2)]
    public void Names_must_be_tokens(string name, int index)
    {
        var act = () => Validate(name, "x");
        act.Should().Throw<ArgumentException>().WithMessage($"*at index {index}*token*");
    }

    [Theory]
    [InlineData("Connection")]
    [InlineData("transfer-encoding")]
    [InlineData("content-length")]
    public void Connection_specific_fields_are_refused(string name)
    {
        var act = () => Validate(name, "x");
        act.Should().Throw<ArgumentException>().WithMessage("*connection-specific*");
    }

    [Fact]
    public void Total_size_is_bounded_by_the_option()
    {
        var fields = Enumerable.Range(0, 10).Select(i => new KeyValuePair<string, string>("link", new string('a', 100))).ToList();
        var act = () => EarlyHintsFieldValidator.Validate(fields, 500, "fields");
        act.Should().Throw<ArgumentException>().WithMessage("*MaxTotalSize (500 bytes) at field #4*");
    }

    [Fact]
    public void Empty_field_list_is_refused()
    {
        var act = () => EarlyHintsFieldValidator.Validate([], 100, "fields");
        act.Should().Throw<ArgumentException>().WithMessage("*at least one*");
    }

    [Fact]
    public void Valid_fields_pass()
        => EarlyHintsFieldValidator.Validate(
            [new("Link", "</a.css>; rel=preload; as=style"), new("x-custom", "v\t1")], 8192, "fields");
}
