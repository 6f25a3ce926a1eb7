using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>The access and error log targets of the gunicorn settings, opened once per host and closed with it.</summary>
internal sealed class GunicornLogTargets(GunicornSettingsProvider provider) : IDisposable
{
    private readonly Lock _gate = new();
    private GunicornLogTarget? _access;
    private GunicornLogTarget? _error;
    private bool _disposed;

    /// <summary>accesslog: <c>-</c> is stdout, as in gunicorn.</summary>
    public GunicornLogTarget? Access => Open(ref _access, provider.TryGetSettings()?.Logging.AccessLog, Console.Out);

    /// <summary>errorlog: <c>-</c> is stderr, as in gunicorn.</summary>
    public GunicornLogTarget? Error => Open(ref _error, provider.TryGetSettings()?.Logging.ErrorLog, Console.Error);

    private GunicornLogTarget? Open(ref GunicornLogTarget? field, string? target, TextWriter dash)
    {
        if (target is null || Volatile.Read(ref field) is { } opened)
        {
            return target is null ? null : field;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            return field ??= GunicornLogTarget.Open(target, dash);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _access?.Dispose();
            _error?.Dispose();
        }
    }
}

/// <summary>
/// gunicorn's error log when <c>errorlog</c> is set: one line per message in gunicorn's format,
/// <c>[2026-12-01 09:40:01 +0000] [1234] [INFO] message</c>, to stderr (<c>-</c>) or a file. Inert otherwise.
/// </summary>
internal sealed class GunicornErrorLogProvider(GunicornLogTargets targets) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ErrorLogger(targets);

    public void Dispose()
    {
    }

    private sealed class ErrorLogger(GunicornLogTargets targets) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && targets.Error is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.None || targets.Error is not { } target)
            {
                return;
            }

            var level = logLevel switch
            {
                LogLevel.Trace or LogLevel.Debug => "DEBUG",
                LogLevel.Information => "INFO",
                LogLevel.Warning => "WARNING",
                LogLevel.Error => "ERROR",
                _ => "CRITICAL",
            };
            var now = DateTimeOffset.Now;
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += Environment.NewLine + exception;
            }

            target.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{now:yyyy-MM-dd HH:mm:ss} {now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", string.Empty, StringComparison.Ordinal)}] [{Environment.ProcessId}] [{level}] {message}"));
        }
    }
}
