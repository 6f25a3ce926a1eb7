using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;

namespace Http2Features.Tests;

public partial class Http2FeaturesEventIdsTests
{
    private static readonly Type[] Ranges = typeof(Http2FeaturesEventIds).GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public);

    [Fact]
    public void Every_event_id_lies_in_its_capability_range_and_is_unique()
    {
        var seen = new Dictionary<int, string>();
        foreach (var range in Ranges)
        {
            var first = Constant(range, "First");
            var last = Constant(range, "Last");
            foreach (var field in EventFields(range))
            {
                var id = (int)field.GetRawConstantValue()!;
                id.Should().BeInRange(first, last, $"{range.Name}.{field.Name} belongs to {range.Name}'s range");
                seen.TryAdd(id, $"{range.Name}.{field.Name}").Should().BeTrue($"{range.Name}.{field.Name} reuses id {id} of {seen.GetValueOrDefault(id)}");
            }
        }

        seen.Should().NotBeEmpty();
    }

    [Fact]
    public void Capability_ranges_do_not_overlap()
    {
        var ranges = Ranges.Select(r => (r.Name, First: Constant(r, "First"), Last: Constant(r, "Last"))).OrderBy(r => r.First).ToList();

        ranges.Should().HaveCountGreaterThan(1);
        for (var i = 1; i < ranges.Count; i++)
        {
            ranges[i].First.Should().BeGreaterThan(ranges[i - 1].Last, $"{ranges[i].Name} starts inside {ranges[i - 1].Name}");
        }
    }

    [Fact]
    public void Every_LoggerMessage_in_src_takes_its_id_and_name_from_the_table()
    {
        // A literal id or a hand-written name would bypass the table (and its uniqueness check) or let the name drift from the id.
        var matches = SourceMatches(LoggerMessageAttribute()).ToList();

        matches.Should().HaveCountGreaterThan(10);
        matches.Where(m => !m.Match.Groups["id"].Value.StartsWith("Http2FeaturesEventIds.", StringComparison.Ordinal)
                || m.Match.Groups["name"].Value != $"nameof({m.Match.Groups["id"].Value})")
            .Select(m => $"{m.File}: EventId = {m.Match.Groups["id"].Value}, EventName = {m.Match.Groups["name"].Value}")
            .Should().BeEmpty();
    }

    [Fact]
    public void No_LoggerMessage_in_src_logs_a_preformatted_message()
    {
        // A template that is one placeholder ("{Message}") hides every field from structured logging: each event
        // names its fields in its own template.
        var templates = SourceMatches(LoggerMessageTemplate()).ToList();

        templates.Should().HaveCountGreaterThan(40);
        templates.Where(t => OnlyPlaceholders().IsMatch(t.Match.Groups["template"].Value))
            .Select(t => $"{t.File}: Message = \"{t.Match.Groups["template"].Value}\"")
            .Should().BeEmpty();
    }

    [Fact]
    public void Every_configuration_event_in_the_table_is_logged_by_the_binder()
    {
        var log = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Http2Features", "Configuration", "GunicornLog.cs"));

        EventFields(typeof(Http2FeaturesEventIds.Configuration)).Select(f => f.Name)
            .Should().OnlyContain(name => log.Contains($"EventId = Http2FeaturesEventIds.Configuration.{name},", StringComparison.Ordinal));
    }

    // [LoggerMessage] is compiled away, so these checks read the sources.
    private static IEnumerable<(string File, Match Match)> SourceMatches(Regex regex)
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        return Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal))
            .SelectMany(f => regex.Matches(File.ReadAllText(f)).Select(m => (Path.GetRelativePath(src, f), m)));
    }

    private static IEnumerable<FieldInfo> EventFields(Type range) =>
        range.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.Name is not "First" and not "Last");

    private static int Constant(Type range, string name) => (int)range.GetField(name)!.GetRawConstantValue()!;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Http2Features.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Http2Features.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\[LoggerMessage\((?:[^\]]*?)EventId\s*=\s*(?<id>[^,\)]+)(?:[^\]]*?EventName\s*=\s*(?<name>nameof\([^\)]*\)|""[^""]*""))?", RegexOptions.Singleline)]
    private static partial Regex LoggerMessageAttribute();

    [GeneratedRegex(@"\[LoggerMessage\([^\]]*?Message\s*=\s*""(?<template>(?:[^""\\]|\\.)*)""", RegexOptions.Singleline)]
    private static partial Regex LoggerMessageTemplate();

    [GeneratedRegex(@"^\s*(\{[^}]*\}\s*)+$")]
    private static partial Regex OnlyPlaceholders();
}
