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
        if (accessLog is { Length: 0 })
        {
            accessLog = null;
        }

        // access_log_format: gunicorn's atoms; an atom that cannot be rendered stops start-up.
        AccessLogFormat? format;
        var formatRaw = r.Raw("access_log_format");
        if (r.String("access_log_format") is { } formatText)
        {
            format = AccessLogFormat.TryParse(formatText, out var formatError);
            if (format is null)
            {
                r.Fail(formatRaw!, formatError!);
            }
            else if (accessLog is null)
            {
                var source = formatRaw!.Source.Description;
                r.Report(l => GunicornLog.AccessLogFormatWithoutAccessLog(l, source));
            }
        }
        else
        {
            format = AccessLogFormat.TryParse(AccessLogFormat.GunicornDefault, out _);
        }

        // errorlog: "-" is stderr; a path is a file. Either replaces the console logger, as gunicorn writes its
        // error log to one place.
        var errorLog = r.String("errorlog") is { Length: > 0 } error && error != "-" ? r.Path("errorlog", contentRoot) : r.String("errorlog");
        return new LoggingSettings(level, accessLog, format, errorLog is { Length: 0 } ? null : errorLog);
    }
}
