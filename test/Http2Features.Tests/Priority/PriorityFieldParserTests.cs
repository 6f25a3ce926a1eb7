using FluentAssertions;
using Http2Features.Priority;

namespace Http2Features.Tests.Priority;

/// <summary>RFC 9218 priority field values parsed as RFC 8941 dictionaries.</summary>
public class PriorityFieldParserTests
{
    [Theory]
    [InlineData("", 3, false)]
    [InlineData("u=0", 0, false)]
    [InlineData("u=7", 7, false)]
    [InlineData("i", 3, true)]
    [InlineData("u=1, i", 1, true)]
    [InlineData("i, u=5", 5, true)]
    [InlineData("  u=2,i  ", 2, true)]
    [InlineData("u=2,\ti=?1", 2, true)]
    [InlineData("u=1, i=?0", 1, false)]
    [InlineData("u=4;foo=bar, i;x", 4, true)]
    [InlineData("u=1, u=6", 6, false)]
    [InlineData("u=1, foo=\"bar\", baz=:aGk=:, q=(1 2);p, d=1.5, t=tok/en, i", 1, true)]
    public void Valid_values_give_urgency_and_incremental(string value, int urgency, bool incremental)
    {
        PriorityFieldParser.TryParse(value, out var u, out var i).Should().BeTrue();
        (u, i).Should().Be((urgency, incremental));
    }

    [Theory]
    [InlineData("u=8")]
    [InlineData("u=-1")]
    [InlineData("u=1.0")]
    [InlineData("u=\"1\"")]
    [InlineData("u=?1")]
    [InlineData("u=(1)")]
    [InlineData("u=tok")]
    public void Out_of_range_or_mistyped_urgency_is_ignored_and_defaults_apply(string value)
    {
        PriorityFieldParser.TryParse(value, out var u, out var i).Should().BeTrue();
        (u, i).Should().Be((3, false));
    }

    [Theory]
    [InlineData("i=1")]
    [InlineData("i=\"true\"")]
    [InlineData("i=tok")]
    public void Non_boolean_incremental_is_ignored(string value)
    {
        PriorityFieldParser.TryParse("u=2, " + value, out var u, out var i).Should().BeTrue();
        (u, i).Should().Be((2, false));
    }

    [Fact]
    public void A_later_invalid_urgency_replaces_an_earlier_valid_one_and_counts_as_absent()
    {
        PriorityFieldParser.TryParse("u=1, u=9", out var u, out _).Should().BeTrue();
        u.Should().Be(3);
    }

    [Theory]
    [InlineData("U=1")]
    [InlineData("u=1,")]
    [InlineData(",u=1")]
    [InlineData("u=1;")]
    [InlineData("u==1")]
    [InlineData("u=1 i")]
    [InlineData("u=\"unterminated")]
    [InlineData("u=1234567890123456")]
    [InlineData("u=1.")]
    [InlineData("u=1.1234")]
    [InlineData("i=?2")]
    [InlineData("u=:not base64!:")]
    [InlineData("1=u")]
    [InlineData("u=(1 2")]
    [InlineData("u=é")]
    public void Values_that_are_not_dictionaries_are_rejected_as_a_whole(string value)
    {
        PriorityFieldParser.TryParse(value, out var u, out var i).Should().BeFalse();
        (u, i).Should().Be((3, false));
    }

    [Fact]
    public void PRIORITY_UPDATE_bytes_parse_like_the_header()
    {
        PriorityFieldParser.TryParse("u=0, i"u8, out var u, out var i).Should().BeTrue();
        (u, i).Should().Be((0, true));
    }
}
