using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>The binder's log messages (event ids 1001..1009, see <see cref="GunicornEvent"/>).</summary>
internal static partial class GunicornLog
{
    /// <summary>The logger category of the binder.</summary>
    public const string Category = "Http2Features.Configuration.Gunicorn";

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornSettingApplied, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornSettingApplied), Level = LogLevel.Debug,
        Message = "{Setting} = {Value} ({Source}) -> {Target}")]
    public static partial void SettingApplied(ILogger logger, string setting, string value, string source, string target);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornBind, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornBind), Level = LogLevel.Information,
        Message = "bind {Address}: {Scheme}, protocols {Protocols} ({Source})")]
    public static partial void Listening(ILogger logger, string address, string scheme, string protocols, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornUnknownSetting, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornUnknownSetting), Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void UnknownSetting(ILogger logger, string message);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornConfigFileStatementIgnored, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornConfigFileStatementIgnored), Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void ConfigFileStatementIgnored(ILogger logger, string message);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornSettingIgnored, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornSettingIgnored), Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void SettingIgnored(ILogger logger, string message);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornDecision, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornDecision), Level = LogLevel.Information, Message = "{Message}")]
    private static partial void Decision(ILogger logger, string message);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornHttp2NotSupportedByWorker, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornHttp2NotSupportedByWorker), Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void Http2NotSupportedByWorker(ILogger logger, string message);

    // Information in Development; a Warning for a self-signed certificate outside it.
    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornDevelopmentCertificate, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornDevelopmentCertificate), Message = "{Message}")]
    private static partial void DevelopmentCertificate(ILogger logger, LogLevel level, string message);

    // Information; a Warning when it replaces a launch profile's URLs.
    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefault, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefault), Message = "{Message}")]
    private static partial void EmbeddedDefault(ILogger logger, LogLevel level, string message);

    /// <summary>Logs a start-up diagnostic with its own event id.</summary>
    public static void Diagnostic(ILogger logger, GunicornDiagnostic diagnostic)
    {
        switch (diagnostic.Event)
        {
            case GunicornEvent.UnknownSetting: UnknownSetting(logger, diagnostic.Message); break;
            case GunicornEvent.ConfigFileStatementIgnored: ConfigFileStatementIgnored(logger, diagnostic.Message); break;
            case GunicornEvent.SettingIgnored: SettingIgnored(logger, diagnostic.Message); break;
            case GunicornEvent.Http2NotSupportedByWorker: Http2NotSupportedByWorker(logger, diagnostic.Message); break;
            case GunicornEvent.DevelopmentCertificate: DevelopmentCertificate(logger, diagnostic.Level, diagnostic.Message); break;
            case GunicornEvent.EmbeddedDefault: EmbeddedDefault(logger, diagnostic.Level, diagnostic.Message); break;
            default: Decision(logger, diagnostic.Message); break;
        }
    }
}
