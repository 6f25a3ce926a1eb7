using CsCheck;
using FluentAssertions;
using Http2Features.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>
/// Property-based: the gunicorn.conf.py reader on random Python-ish text never throws and every line it reports
/// exists; on files built from known-good and known-bad lines it reports each bad line by its number and reads
/// each good one.
/// </summary>
public class GunicornConfigFileParserPropertyTests
{
    // Fragments that exercise the tokenizer's corners: strings of every quote style (also unclosed), brackets,
    // continuations, comments, indentation, operators, non-ASCII and control characters.
    private static readonly string[] Fragments =
    [
        "bind", "workers", "x", " = ", "=", "'127.0.0.1:8000'", "\"a\"", "'''", "\"\"\"", "'", "\"", "r'", "b'", "f'{x}'",
        "1024", "1024 * 1024", "0x10", "1_000", "1.5", "-3", "1e3", "True", "None", "False", "[", "]", "(", ")", "{", "}", ",", ":",
        "\n", "\r\n", "\r", "\n    ", "\t", "\\\n", "\\", "#", "# comment\n", "import os", "from x import y", "def on_starting(server):",
        "    pass", "@decorator", "if True:", "else:", "lambda: 1", "os.environ['X']", "é", "\u2028", "\0", ";", "+", "*", "**",
    ];

    private static readonly Gen<string> TextGen = Gen.OneOf(
        Gen.Int[0, Fragments.Length - 1].Array[0, 60].Select(ix => string.Concat(ix.Select(i => Fragments[i]))),
        Gen.Char.Array[0, 200].Select(c => new string(c)));

    [Fact]
    public void Random_text_never_throws_and_every_reported_line_exists()
    {
        TextGen.Sample(
            text =>
            {
                var result = GunicornConfigFileParser.Parse(text);

                var lines = CountLines(text);
                foreach (var w in result.Warnings)
                {
                    w.Line.Should().BeInRange(1, lines, w.Reason);
                    w.Reason.Should().NotBeNullOrWhiteSpace();
                }

                foreach (var a in result.Assignments)
                {
                    a.Line.Should().BeInRange(1, lines, a.Name);
                }
            },
            iter: 20000,
            threads: 1);
    }

    private static readonly string[] GoodLines = ["workers = 4", "bind = '127.0.0.1:8000'", "keepalive = 5", "backlog = 1024 * 2", "reuse_port = True", "forwarded_allow_ips = ['127.0.0.1', '::1']", "# just a comment", ""];

    private static readonly string[] BadLines = ["import os", "workers = os.cpu_count()", "bind = f'{host}'", "print('hi')", "x, y = 1, 2", "from os import path", "del workers", "threads = 2 +"];

    [Fact]
    public void Files_of_good_and_bad_lines_report_every_bad_line_by_number_and_read_every_good_one()
    {
        Gen.Select(Gen.Bool, Gen.Int[0, 7]).Array[1, 40].Sample(
            lines =>
            {
                var text = string.Join("\n", lines.Select(l => l.Item1 ? BadLines[l.Item2] : GoodLines[l.Item2]));
                var result = GunicornConfigFileParser.Parse(text);

                // Plain checks: FluentAssertions' expression predicates compile per call, too slow for a property.
                var warned = result.Warnings.Select(w => w.Line).ToHashSet();
                var assigned = result.Assignments.ToLookup(a => a.Line, a => a.Name);
                for (var i = 0; i < lines.Length; i++)
                {
                    var number = i + 1;
                    var (bad, which) = lines[i];
                    if (bad)
                    {
                        Assert.True(warned.Contains(number), $"line {number} ({BadLines[which]}) must be reported; text:\n{text}");
                    }
                    else if (GoodLines[which].Contains('=', StringComparison.Ordinal))
                    {
                        var name = GoodLines[which][..GoodLines[which].IndexOf(' ', StringComparison.Ordinal)];
                        Assert.True(assigned[number].Contains(name), $"line {number} ({GoodLines[which]}) must be read; text:\n{text}");
                        Assert.False(warned.Contains(number), $"line {number} ({GoodLines[which]}) must not be reported; text:\n{text}");
                    }
                }
            },
            iter: 5000,
            threads: 1);
    }

    [Theory]
    [InlineData("umask = 0o\n", 1)]
    [InlineData("umask = 0o8\n", 1)]
    public void Broken_octal_literals_are_warned_about_by_line_instead_of_throwing(string text, int line)
    {
        // Found by the property above: Convert.ToInt64("", 8) threw ArgumentOutOfRangeException out of Parse.
        var result = GunicornConfigFileParser.Parse(text);

        result.Warnings.Should().ContainSingle(w => w.Line == line).Which.Reason.Should().Contain("umask");
    }

    [Fact]
    public void Integers_beyond_64_bits_are_read_exactly_like_Python_does()
    {
        var result = GunicornConfigFileParser.Parse("workers = 4\numask = 0o77777777777777777777777\nbacklog = 100000000000000000000000000000\n");

        result.Warnings.Should().BeEmpty();
        result.Assignments[1].Value.Should().Be(System.Numerics.BigInteger.Parse("590295810358705651711", System.Globalization.CultureInfo.InvariantCulture));
        result.Assignments[2].Written.Should().Be("100000000000000000000000000000", "messages show the number as written, not as 1E+29");
    }

    [Fact]
    public void Valid_octal_literals_are_read()
    {
        GunicornConfigFileParser.Parse("umask = 0o22\n").Assignments.Should().ContainSingle().Which.Value.Should().Be(18L);
    }

    private static int CountLines(string text)
    {
        var lines = 1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                lines++;
            }
        }

        return lines;
    }
}
