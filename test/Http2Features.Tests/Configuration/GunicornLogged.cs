using Http2Features.Configuration;
using Ids = Http2Features.Http2FeaturesEventIds.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>The binder's start-up diagnostics as they are logged: event id and name, level, text and structured fields.</summary>
internal static class GunicornLogged
{
    /// <summary>The events for names the binder does not know (settings, flags, arguments).</summary>
    public static readonly IReadOnlySet<int> UnknownNameEvents = new HashSet<int>
    {
        Ids.GunicornUnknownSetting, Ids.GunicornUnknownSettingWithSuggestion, Ids.GunicornNotAGunicornSetting,
        Ids.GunicornUnknownSettingsNotListed, Ids.GunicornUnknownFlag, Ids.GunicornUnknownFlagWithSuggestion,
        Ids.GunicornPositionalArgumentIgnored,
    };

    public static IReadOnlyList<LogEntry> Logged(this GunicornLoadResult result) => Logged(result.Diagnostics);

    public static IReadOnlyList<LogEntry> Logged(this IEnumerable<GunicornDiagnostic> diagnostics)
    {
        var logs = new CapturingLoggerProvider();
        var logger = logs.CreateLogger(GunicornLog.Category);
        foreach (var diagnostic in diagnostics)
        {
            diagnostic.Log(logger);
        }

        return logs.Entries.ToList();
    }
}
