using FluentAssertions;
using Http2Features.Configuration;
using Ids = Http2Features.Http2FeaturesEventIds.Configuration;

namespace Http2Features.Tests.Configuration;

public class GunicornArgumentParserTests
{
    [Fact]
    public void Both_flag_spellings_and_short_flags_are_read()
    {
        var result = GunicornArgumentParser.Parse(
            ["--workers=3", "--threads", "4", "-b", "127.0.0.1:1", "-b127.0.0.1:2", "-k", "gthread", "--limit-request-field_size", "100"],
            fromEnvironment: false);

        result.Errors.Select(e => e.ToString()).Should().BeEmpty();
        result.Settings.Select(s => (s.Name, s.Value)).Should().Equal(
            ("workers", (object)"3"), ("threads", "4"), ("bind", "127.0.0.1:1"), ("bind", "127.0.0.1:2"), ("worker_class", "gthread"),
            ("limit_request_field_size", "100"));
        result.Settings[2].Source.Description.Should().Be("command-line flag -b");
    }

    [Fact]
    public void Non_gunicorn_arguments_are_left_alone_without_warnings()
    {
        var result = GunicornArgumentParser.Parse(["--urls", "http://127.0.0.1:5000", "--environment=Development", "positional", "--Logging:LogLevel:Default=Debug"], fromEnvironment: false);

        result.Settings.Should().BeEmpty();
        result.Warnings.Should().BeEmpty();
        result.Errors.Select(e => e.ToString()).Should().BeEmpty();
    }

    [Fact]
    public void A_misspelt_gunicorn_flag_on_the_command_line_is_warned_about_with_the_closest_flag()
    {
        var result = GunicornArgumentParser.Parse(["--http2-max-frame-sise", "32768"], fromEnvironment: false);

        var warning = result.Warnings.Logged().Should().ContainSingle().Which;
        warning.Id.Id.Should().Be(Ids.GunicornUnknownFlagWithSuggestion);
        (warning.Field("Source"), warning.Field("Flag"), warning.Field("Suggestion")).Should().Be(("command line", "--http2-max-frame-sise", "--http2-max-frame-size"));
        warning.Message.Should().Contain("'--http2-max-frame-sise'").And.Contain("did you mean '--http2-max-frame-size'?");
    }

    [Fact]
    public void Every_unknown_flag_and_positional_argument_in_GUNICORN_CMD_ARGS_is_warned_about()
    {
        var result = GunicornArgumentParser.Parse(["myapp:app", "--frobnicate", "1"], fromEnvironment: true);

        var warnings = result.Warnings.Logged();
        warnings.Should().HaveCount(3);
        warnings[0].Id.Id.Should().Be(Ids.GunicornPositionalArgumentIgnored);
        (warnings[0].Field("Source"), warnings[0].Field("Argument")).Should().Be(("GUNICORN_CMD_ARGS", "myapp:app"));
        warnings[0].Message.Should().Contain("positional argument 'myapp:app'");
        warnings[1].Id.Id.Should().Be(Ids.GunicornUnknownFlag);
        warnings[1].Field("Flag").Should().Be("--frobnicate");
        warnings[1].Message.Should().Contain("unknown gunicorn flag '--frobnicate'");
    }

    [Fact]
    public void A_flag_without_its_value_is_an_error_naming_the_flag()
    {
        var result = GunicornArgumentParser.Parse(["--certfile"], fromEnvironment: false);

        result.Errors.Select(e => e.ToString()).Should().ContainSingle().Which.Should().Be("certfile (command-line flag --certfile): the flag needs a value; allowed: for example --certfile VALUE");
    }

    [Fact]
    public void GUNICORN_CMD_ARGS_is_split_like_shlex()
    {
        GunicornArgumentParser.SplitCommandLine("""-b 127.0.0.1:1 --access-logfile='/var/log/a b.log' --ciphers "A:B" x\ y""")
            .Should().Equal("-b", "127.0.0.1:1", "--access-logfile=/var/log/a b.log", "--ciphers", "A:B", "x y");
    }

    [Fact]
    public void Unclosed_quote_in_GUNICORN_CMD_ARGS_is_an_error()
    {
        var act = () => GunicornArgumentParser.SplitCommandLine("--bind '127.0.0.1:1");

        act.Should().Throw<FormatException>().WithMessage("*unclosed single quote*");
    }

    [Fact]
    public void Double_dash_ends_gunicorn_flags()
    {
        GunicornArgumentParser.Parse(["--", "-b", "127.0.0.1:1"], fromEnvironment: false).Settings.Should().BeEmpty();
    }
}
