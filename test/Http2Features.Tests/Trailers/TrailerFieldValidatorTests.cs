using FluentAssertions;
using Http2Features.Trailers;
using Microsoft.Extensions.Primitives;

namespace Http2Features.Tests.Trailers;

public class TrailerFieldValidatorTests
{
    public static TheoryData<string> ForbiddenFields =>
    [
        "content-length", "host", "cache-control", "expect", "max-forwards", "pragma", "range",
        "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range", "if-schedule-tag-match", "realm",
        "authorization", "www-authenticate", "proxy-authenticate", "proxy-authorization", "set-cookie", "cookie",
        "age", "expires", "date", "location", "retry-after", "vary", "warning",
        "content-type", "content-encoding", "content-range", "trailer",
    ];

    [Theory]
    [MemberData(nameof(ForbiddenFields))]
    public void Field_forbidden_by_RFC9110_6_5_1_is_rejected_naming_the_field_and_the_rule(string field)
    {
        var act = () => TrailerFieldValidator.Validate(field, "x", isHttp2OrLater: true);

        var ex = act.Should().Throw<TrailerValidationException>().Which;
        ex.FieldName.Should().Be(field);
        ex.Rule.Should().Be(TrailerRule.ForbiddenInTrailers);
        ex.Message.Should().Contain($"'{field}'").And.Contain("RFC 9110 §6.5.1");
    }

    [Theory]
    [InlineData("connection")]
    [InlineData("keep-alive")]
    [InlineData("proxy-connection")]
    [InlineData("upgrade")]
    [InlineData("transfer-encoding")]
    public void Connection_specific_field_is_rejected(string field)
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate(field, "x", true)).Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.ConnectionSpecific);
        ex.Message.Should().Contain($"'{field}'").And.Contain("RFC 9113 §8.2.2");
    }

    [Fact]
    public void Te_other_than_trailers_is_connection_specific()
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate("te", "gzip", true)).Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.ConnectionSpecific);
        ex.FieldName.Should().Be("te");
    }

    [Fact]
    public void Te_trailers_is_still_a_request_control_and_forbidden()
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate("te", "trailers", true)).Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.ForbiddenInTrailers);
    }

    [Theory]
    [InlineData(":status")]
    [InlineData(":path")]
    [InlineData(":authority")]
    public void Pseudo_header_is_rejected(string field)
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate(field, "200", true)).Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.PseudoHeader);
        ex.Message.Should().Contain(field).And.Contain("pseudo-header");
    }

    [Theory]
    [InlineData("")]
    [InlineData("x foo")]
    [InlineData("x:foo")]
    [InlineData("x\"q")]
    [InlineData("x(y)")]
    [InlineData("x\r\ny")]
    [InlineData("é")]
    public void Name_that_is_not_a_token_is_rejected(string field)
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate(field, "v", true)).Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.InvalidName);
        ex.Message.Should().Contain("RFC 9110");
    }

    [Fact]
    public void Upper_case_name_is_rejected_on_http2_and_the_message_suggests_the_lower_case_name()
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate("X-Checksum", "v", true)).Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.UpperCaseOnHttp2);
        ex.Message.Should().Contain("'X-Checksum'").And.Contain("'x-checksum'").And.Contain("RFC 9113 §8.2.1");
    }

    [Fact]
    public void Upper_case_name_is_accepted_outside_http2()
    {
        FluentActions.Invoking(() => TrailerFieldValidator.Validate("X-Checksum", "v", false)).Should().NotThrow();
    }

    [Theory]
    [InlineData("a\rb", "CR")]
    [InlineData("a\nb", "LF")]
    [InlineData("a\0b", "NUL")]
    [InlineData("a\u0001b", "U+0001")]
    [InlineData("a\u007fb", "U+007F")]
    [InlineData("caf\u00e9", "U+00E9")]
    public void Value_with_forbidden_character_is_rejected_naming_the_character(string value, string described)
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate("x-sum", value, true)).Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.InvalidValue);
        ex.FieldName.Should().Be("x-sum");
        ex.Message.Should().Contain("'x-sum'").And.Contain(described);
    }

    [Theory]
    [InlineData(" leading")]
    [InlineData("trailing\t")]
    public void Value_with_leading_or_trailing_whitespace_is_rejected(string value)
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate("x-sum", value, true)).Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.InvalidValue);
        ex.Message.Should().Contain("whitespace");
    }

    [Fact]
    public void Every_value_of_a_multi_value_field_is_checked()
    {
        var ex = FluentActions.Invoking(() => TrailerFieldValidator.Validate("x-sum", new StringValues(["ok", "bad\n"]), true))
            .Should().Throw<TrailerValidationException>().Which;
        ex.Rule.Should().Be(TrailerRule.InvalidValue);
    }

    [Theory]
    [InlineData("x-row-count", "42")]
    [InlineData("grpc-message", "a b\tc")]
    [InlineData("repr-digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")]
    [InlineData("authentication-info", "rspauth=\"abc\"")]
    public void Ordinary_trailer_is_accepted(string name, string value)
    {
        FluentActions.Invoking(() => TrailerFieldValidator.Validate(name, value, true)).Should().NotThrow();
    }
}
