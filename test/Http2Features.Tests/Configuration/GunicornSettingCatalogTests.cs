using FluentAssertions;
using Http2Features.Configuration;
using Microsoft.Extensions.Logging;
using Ids = Http2Features.Http2FeaturesEventIds.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>The binder's catalog against gunicorn 26's own list (gunicorn/config.py, extracted to gunicorn-settings.tsv).</summary>
public sealed class GunicornSettingCatalogTests : IDisposable
{
    private static readonly (string Name, string[] Flags, string Action)[] Gunicorn = File
        .ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Configuration", "gunicorn-settings.tsv"))
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split('\t'))
        .Select(c => (c[0], c[1].Split(' ', StringSplitOptions.RemoveEmptyEntries), c[3]))
        .ToArray();

    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    public static TheoryData<string> GunicornSettingNames() => new(Gunicorn.Select(g => g.Name));

    [Fact]
    public void The_reference_list_is_gunicorn_26s_119_settings()
    {
        Gunicorn.Should().HaveCount(119);
        GunicornSettingCatalog.Settings.Select(s => s.Name).Should().BeEquivalentTo(Gunicorn.Select(g => g.Name));
    }

    [Theory]
    [MemberData(nameof(GunicornSettingNames))]
    public void Every_gunicorn_setting_is_known_with_its_flags_and_either_applied_or_ignored_with_a_reason(string name)
    {
        var (_, flags, action) = Gunicorn.Single(g => g.Name == name);
        GunicornSettingCatalog.TryFindByName(name, out var definition).Should().BeTrue();

        definition.Flags.Where(f => f.StartsWith('-')).Should().HaveCountGreaterThanOrEqualTo(flags.Length);
        foreach (var flag in flags)
        {
            GunicornSettingCatalog.TryFindByFlag(flag, out var byFlag).Should().BeTrue();
            byFlag.Name.Should().Be(name);
        }

        definition.Arity.Should().Be(action switch
        {
            "store_true" or "store_const" => FlagArity.None,
            _ when action.StartsWith("optional:", StringComparison.Ordinal) => FlagArity.Optional,
            _ => FlagArity.Value,
        });
        definition.Repeatable.Should().Be(action == "append");
        if (!definition.Applied)
        {
            definition.IgnoredBecause.Should().NotBeNullOrWhiteSpace();
        }
    }

    [Theory]
    [MemberData(nameof(GunicornSettingNames))]
    public void No_gunicorn_setting_is_reported_as_unknown_or_misspelt(string name)
    {
        var file = _files.Write(name + ".conf.py", name + " = None\n");

        var result = _files.Load(args: ["-c", file]);

        result.Logged().Should().NotContain(d => GunicornLogged.UnknownNameEvents.Contains(d.Id.Id));
    }

    [Theory]
    [MemberData(nameof(GunicornSettingNames))]
    public void Docs_configuration_table_says_what_happens_to_every_gunicorn_setting(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "docs", "configuration.md")))
        {
            dir = dir.Parent;
        }

        var rows = File.ReadAllLines(Path.Combine(dir!.FullName, "docs", "configuration.md")).Where(l => l.StartsWith("| ", StringComparison.Ordinal));

        rows.Should().Contain(r => r.Contains("`" + name + "`", StringComparison.Ordinal), $"docs/configuration.md has a table row for {name}");
    }

    [Fact]
    public void Each_flag_from_the_issue_is_recognised_on_the_command_line_and_in_GUNICORN_CMD_ARGS()
    {
        string[] args = ["--max-requests", "100", "--reuse-port", "--proxy-protocol", "-e", "A=1", "--pid", "/tmp/app.pid", "-b", "127.0.0.1:0"];
        var cli = _files.Load(args: args);
        var env = _files.Load(environment: string.Join(' ', args));

        foreach (var result in new[] { cli, env })
        {
            result.ErrorMessages.Should().BeEmpty();
            result.Logged().Should().NotContain(d => GunicornLogged.UnknownNameEvents.Contains(d.Id.Id));
            result.Settings!.Values.Keys.Should().Contain(["max_requests", "reuse_port", "proxy_protocol", "raw_env", "pidfile"]);
            result.Settings.Values["proxy_protocol"].Value.Should().Be("auto", "--proxy-protocol without a value is gunicorn's const");
            result.Settings.Listen.Binds.Should().ContainSingle("the value-less flags did not swallow -b");
        }
    }

    [Fact]
    public void Limit_request_body_is_named_as_not_a_gunicorn_setting_with_Kestrels_equivalent()
    {
        var result = _files.Load(args: ["-c", _files.Write("gunicorn.conf.py", "limit_request_body = 1024\n")]);

        var entry = result.Logged().Should().ContainSingle(d => GunicornLogged.UnknownNameEvents.Contains(d.Id.Id)).Which;
        entry.Id.Should().Be(new EventId(Ids.GunicornNotAGunicornSetting, nameof(Ids.GunicornNotAGunicornSetting)));
        entry.Field("Setting").Should().Be("limit_request_body");
        entry.Field("Instead").Should().Contain("MaxRequestBodySize");
        entry.Message.Should().Contain("is not a gunicorn setting").And.Contain("MaxRequestBodySize").And.NotContain("did you mean");
    }

    [Fact]
    public void Hex_integers_work_as_flags_as_they_do_in_the_file()
    {
        _files.Load(args: ["--http2-max-frame-size", "0x4000"]).Settings!.Limits.MaxFrameSize.Should().Be(16384);
        _files.Load(environment: "--http2-max-frame-size=0x8000").Settings!.Limits.MaxFrameSize.Should().Be(32768);
    }

    [Fact]
    public void Python_unicode_escapes_are_decoded()
    {
        var file = _files.Write("gunicorn.conf.py", "accesslog = \"acc\\u00e8s.log\"\nproc_name = \"\\U0001F600\\x41\\101\"\n");

        var parsed = GunicornConfigFileParser.Parse(File.ReadAllText(file));

        parsed.Assignments.Select(a => a.Value).Should().Equal("accès.log", "\U0001F600AA");
    }
}
