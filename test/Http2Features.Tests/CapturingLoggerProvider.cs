using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests;

/// <summary>
/// Keeps every log entry (category, event id, level, message, and the structured fields of its state) so tests can
/// assert on what was logged, field by field.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new LogEntry(category, eventId, logLevel, formatter(state, exception), LogEntry.FieldsOf(state)));
    }
}

/// <summary>One captured log entry.</summary>
/// <param name="Fields">The state's named values (what a structured logger stores), including <c>{OriginalFormat}</c>, the template.</param>
internal sealed record LogEntry(string Category, EventId Id, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Fields)
{
    /// <summary>The message template (<c>{OriginalFormat}</c>), or null for a state without one.</summary>
    public string? Template => Fields.GetValueOrDefault("{OriginalFormat}") as string;

    /// <summary>A named field of the state as text (invariant culture), or null when the state has no such field.</summary>
    public string? Field(string name) => Fields.TryGetValue(name, out var value)
        ? value is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : value?.ToString()
        : null;

    internal static IReadOnlyDictionary<string, object?> FieldsOf<TState>(TState state) =>
        state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
            : new Dictionary<string, object?>();
}
