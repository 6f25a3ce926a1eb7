using FluentAssertions;
using Http2Features.Configuration;

namespace Http2Features.Tests.Configuration;

public class GunicornConfigFileParserTests
{
    private static Dictionary<string, object?> Values(string text) =>
        GunicornConfigFileParser.Parse(text).Assignments.ToDictionary(a => a.Name, a => a.Value);

    [Fact]
    public void Literal_assignments_of_every_supported_kind_are_read()
    {
        var values = Values("""
            bind = "0.0.0.0:8443"
            keyfile = 'key.pem'
            workers = 4
            http2_initial_window_size = 1024 * 1024
            big = 64 * 1024 * 1024
            ratio = 0.5
            flag = True
            off = False
            nothing = None
            http_protocols = ["h2", "h1"]
            tuple = ("a", "b",)
            empty = []
            hex = 0x10
            underscored = 65_535
            negative = -1
            joined = "ab" "cd"
            """);

        values["bind"].Should().Be("0.0.0.0:8443");
        values["keyfile"].Should().Be("key.pem");
        values["workers"].Should().Be(4L);
        values["http2_initial_window_size"].Should().Be(1048576L);
        values["big"].Should().Be(67108864L);
        values["ratio"].Should().Be(0.5);
        values["flag"].Should().Be(true);
        values["off"].Should().Be(false);
        values["nothing"].Should().BeNull();
        ((IEnumerable<object>)values["http_protocols"]!).Should().Equal("h2", "h1");
        ((IEnumerable<object>)values["tuple"]!).Should().Equal("a", "b");
        values["empty"].Should().BeEquivalentTo(Array.Empty<string>());
        values["hex"].Should().Be(16L);
        values["underscored"].Should().Be(65535L);
        values["negative"].Should().Be(-1L);
        values["joined"].Should().Be("abcd");
    }

    [Fact]
    public void Multi_line_lists_and_comments_are_read_with_the_line_of_the_assignment()
    {
        var result = GunicornConfigFileParser.Parse("""
            # comment
            bind = [
                "127.0.0.1:8443",  # first
                "unix:/run/app.sock",
            ]
            workers = 2  # trailing comment
            """);

        result.Warnings.Should().BeEmpty();
        result.Assignments.Should().HaveCount(2);
        result.Assignments[0].Name.Should().Be("bind");
        result.Assignments[0].Line.Should().Be(2);
        ((IEnumerable<object>)result.Assignments[0].Value!).Should().Equal("127.0.0.1:8443", "unix:/run/app.sock");
        result.Assignments[1].Line.Should().Be(6);
    }

    [Fact]
    public void Imports_hooks_and_computed_values_are_warned_about_with_their_line_and_never_crash()
    {
        var result = GunicornConfigFileParser.Parse("""
            import multiprocessing
            from os import environ

            workers = multiprocessing.cpu_count() * 2 + 1
            bind = environ.get("BIND", "0.0.0.0:8000")

            def post_fork(server, worker):
                server.log.info("forked %s", worker.pid)
                x = 1

            @decorator
            def when_ready(server):
                pass

            threads = 4
            name = f"app-{workers}"
            """);

        result.Assignments.Select(a => a.Name).Should().Equal("threads");
        result.Warnings.Select(w => w.Line).Should().Equal(1, 2, 4, 5, 7, 12, 16);
        result.Warnings.Single(w => w.Line == 4).Reason.Should().Contain("'workers' is not assigned a plain literal");
        result.Warnings.Single(w => w.Line == 7).Reason.Should().Contain("function post_fork()");
        result.Warnings.Single(w => w.Line == 1).Reason.Should().Contain("import");
    }

    [Fact]
    public void Docstrings_are_ignored_silently()
    {
        var result = GunicornConfigFileParser.Parse("\"\"\"My config.\n\nMore text.\"\"\"\nworkers = 3\n");

        result.Warnings.Should().BeEmpty();
        result.Assignments.Single().Line.Should().Be(4);
    }

    [Fact]
    public void Unterminated_string_is_a_warning_with_its_line()
    {
        var result = GunicornConfigFileParser.Parse("workers = 2\nbind = \"0.0.0.0:80\n");

        result.Warnings.Should().ContainSingle().Which.Line.Should().Be(2);
        result.Warnings[0].Reason.Should().Contain("unterminated string");
        result.Assignments.Should().ContainSingle().Which.Name.Should().Be("workers", "statements before the broken one are kept");
    }

    private static readonly string[] NestedA = ["a"];

    [Fact]
    public void Nested_literals_are_read_and_arithmetic_is_not_evaluated()
    {
        var result = GunicornConfigFileParser.Parse("bind = [8000, [\"a\"]]\nworkers = 2 + 2\nsecure_scheme_headers = {\"X-PROTO\": \"https\"}\n");

        result.Assignments.Select(a => a.Name).Should().Equal("bind", "secure_scheme_headers");
        ((IReadOnlyList<object?>)result.Assignments[0].Value!)[1].Should().BeEquivalentTo(NestedA);
        result.Warnings.Should().ContainSingle().Which.Should().Be(new ConfigFileWarning(2,
            "'workers' is not assigned a plain literal (2 + 2); the binder never evaluates Python. Use a string, number, True/False/None or a list of those", "workers"));
    }

    [Fact]
    public void Windows_line_endings_and_backslash_continuations_are_handled()
    {
        var result = GunicornConfigFileParser.Parse("workers = \\\r\n  3\r\nthreads = 2\r\n");

        result.Warnings.Should().BeEmpty();
        result.Assignments.Select(a => (a.Name, a.Value, a.Line)).Should().Equal(("workers", 3L, 1), ("threads", 2L, 3));
    }
}
