using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary><c>loglevel</c> and <c>accesslog</c>.</summary>
internal static class LoggingBinder
{
    public static LoggingSettings Bind(SettingReader r, string contentRoot)
    {
        LogLevel? level = null;
        if (r.String("loglevel") is { } text)
        {
            level = text.ToLowerInvariant() switch
            {
                "debug" => LogLevel.Debug,
                "info" => LogLevel.Information,
                "warning" or "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "critical" => LogLevel.Critical,
                _ => null,
            };
            if (level is null)
            {
                r.Fail(r.Raw("loglevel")!, "unknown level", "debug, info, warning, error or critical");
            }
        }

        var accessLog = r.String("accesslog") is { Length: > 0 } log && log != "-" ? r.Path("accesslog", contentRoot) : r.String("accesslog");
        return new LoggingSettings(level, accessLog is { Length: 0 } ? null : accessLog);
    }
}
