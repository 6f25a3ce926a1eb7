using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>
/// The binder's log messages (event ids 1001..1034 in <see cref="Http2FeaturesEventIds.Configuration"/>): one event per
/// kind of message, each with named fields (<c>Setting</c>, <c>Source</c>, <c>Value</c> ...) for structured logging.
/// Values from users reach these methods already made safe (<see cref="SettingText.Safe"/>).
/// </summary>
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

    // Names that are not gunicorn settings, and arguments the binder does not read.
    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornUnknownSetting, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornUnknownSetting), Level = LogLevel.Warning,
        Message = "unknown gunicorn setting '{Setting}' ({Source}) ignored")]
    public static partial void UnknownSetting(ILogger logger, string setting, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornUnknownSettingWithSuggestion, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornUnknownSettingWithSuggestion), Level = LogLevel.Warning,
        Message = "unknown gunicorn setting '{Setting}' ({Source}) ignored; did you mean '{Suggestion}'?")]
    public static partial void UnknownSettingWithSuggestion(ILogger logger, string setting, string source, string suggestion);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornNotAGunicornSetting, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornNotAGunicornSetting), Level = LogLevel.Warning,
        Message = "'{Setting}' ({Source}) is not a gunicorn setting and is ignored: {Instead}")]
    public static partial void NotAGunicornSetting(ILogger logger, string setting, string source, string instead);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornUnknownSettingsNotListed, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornUnknownSettingsNotListed), Level = LogLevel.Warning,
        Message = "{File}: {Count} more assignments to names that are not gunicorn settings ignored (not listed)")]
    public static partial void UnknownSettingsNotListed(ILogger logger, string file, int count);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornUnknownFlag, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornUnknownFlag), Level = LogLevel.Warning,
        Message = "{Source}: unknown gunicorn flag '{Flag}' ignored")]
    public static partial void UnknownFlag(ILogger logger, string source, string flag);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornUnknownFlagWithSuggestion, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornUnknownFlagWithSuggestion), Level = LogLevel.Warning,
        Message = "{Source}: unknown gunicorn flag '{Flag}' ignored; did you mean '{Suggestion}'?")]
    public static partial void UnknownFlagWithSuggestion(ILogger logger, string source, string flag, string suggestion);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornPositionalArgumentIgnored, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornPositionalArgumentIgnored), Level = LogLevel.Warning,
        Message = "{Source}: positional argument '{Argument}' ignored (the application is this ASP.NET Core app, not a WSGI module)")]
    public static partial void PositionalArgumentIgnored(ILogger logger, string source, string argument);

    // Config-file statements the binder cannot read.
    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornConfigFileStatementIgnored, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornConfigFileStatementIgnored), Level = LogLevel.Warning,
        Message = "{File}:{Line}: {Reason}")]
    public static partial void ConfigFileStatementIgnored(ILogger logger, string file, int line, string reason);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornConfigFileStatementsNotListed, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornConfigFileStatementsNotListed), Level = LogLevel.Warning,
        Message = "{File}: {Count} more statements ignored (not listed)")]
    public static partial void ConfigFileStatementsNotListed(ILogger logger, string file, int count);

    // Settings that are read but have no effect, with the reason.
    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornSettingIgnored, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornSettingIgnored), Level = LogLevel.Warning,
        Message = "{Setting} ({Source}) is ignored: {Reason}")]
    public static partial void SettingIgnored(ILogger logger, string setting, string source, string reason);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornNestedConfigIgnored, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornNestedConfigIgnored), Level = LogLevel.Warning,
        Message = "config ({Source}): a config file cannot name another config file; ignored")]
    public static partial void NestedConfigIgnored(ILogger logger, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornCleartextIgnoredWithTls, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornCleartextIgnoredWithTls), Level = LogLevel.Warning,
        Message = "http2_cleartext ({Source}) ignored: the endpoints use TLS, where ALPN negotiates h2")]
    public static partial void CleartextIgnoredWithTls(ILogger logger, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornCleartextWithoutH2, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornCleartextWithoutH2), Level = LogLevel.Warning,
        Message = "http2_cleartext ({Source}) has no effect: http_protocols does not include h2; set http_protocols = \"h2,h1\" for h2c")]
    public static partial void CleartextWithoutH2(ILogger logger, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornH2NotAppliedToAppEndpoints, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornH2NotAppliedToAppEndpoints), Level = LogLevel.Warning,
        Message = "http_protocols = {Value} ({Source}): h2 is not applied to {Endpoints}: cleartext endpoints serve HTTP/1.1. "
            + "Use an https:// URL (with --certfile/--keyfile), set bind with TLS, or for h2c set http2_cleartext = \"prior-knowledge\"")]
    public static partial void H2NotAppliedToAppEndpoints(ILogger logger, string value, string source, string endpoints);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornCleartextUpgradeUnsupported, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornCleartextUpgradeUnsupported), Level = LogLevel.Warning,
        Message = "http2_cleartext = {Value} ({Source}): the 'upgrade' half is not supported by Kestrel; serving h2c with prior knowledge only")]
    public static partial void CleartextUpgradeUnsupported(ILogger logger, string value, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornAccessLogFormatWithoutAccessLog, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornAccessLogFormatWithoutAccessLog), Level = LogLevel.Warning,
        Message = "access_log_format ({Source}) has no effect without accesslog; set accesslog = \"-\" (stdout) or a file path")]
    public static partial void AccessLogFormatWithoutAccessLog(ILogger logger, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornTlsSettingsWithoutHttps, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornTlsSettingsWithoutHttps), Level = LogLevel.Warning,
        Message = "{Settings} ({Source}) not applied: the app's endpoints ({Endpoints}) have no https:// URL. "
            + "Use https:// URLs (for example ASPNETCORE_URLS=https://127.0.0.1:8443), or set bind (-b 127.0.0.1:8443) so that gunicorn settings create the endpoints")]
    public static partial void TlsSettingsWithoutHttps(ILogger logger, string settings, string source, string endpoints);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornCaCertsWithoutClientCertificates, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornCaCertsWithoutClientCertificates), Level = LogLevel.Warning,
        Message = "ca_certs ({Source}) is only used to verify client certificates, and cert_reqs is 0 (CERT_NONE); set cert_reqs = 2 to require them")]
    public static partial void CaCertsWithoutClientCertificates(ILogger logger, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornCiphersWithoutTls, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornCiphersWithoutTls), Level = LogLevel.Warning,
        Message = "ciphers ({Source}) ignored: no TLS (certfile is not set)")]
    public static partial void CiphersWithoutTls(ILogger logger, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornCiphersUnsupportedOnOs, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornCiphersUnsupportedOnOs), Level = LogLevel.Warning,
        Message = "ciphers ({Source}) ignored: CipherSuitesPolicy is not supported on this OS; configure suites in the OS")]
    public static partial void CiphersUnsupportedOnOs(ILogger logger, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornSettingsNotAppliedToCodeEndpoints, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornSettingsNotAppliedToCodeEndpoints), Level = LogLevel.Warning,
        Message = "{Settings} ({Source}) not applied: the {Count} endpoint(s) configured in code (Listen/ConfigureKestrel) keep their own TLS and protocols. "
            + "Set them in that code, or remove it and set bind so that gunicorn settings create the endpoints")]
    public static partial void SettingsNotAppliedToCodeEndpoints(ILogger logger, string settings, string source, int count);

    // Decisions for settings without a Kestrel equivalent.
    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornProcessSettingNotApplied, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornProcessSettingNotApplied), Level = LogLevel.Information,
        Message = "{Setting} = {Value} ({Source}) is not applied: {Reason}")]
    public static partial void ProcessSettingNotApplied(ILogger logger, string setting, string value, string source, string reason);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornServingAppEndpoints, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornServingAppEndpoints), Level = LogLevel.Information,
        Message = "no bind set: serving the app's own endpoints ({Endpoints}); gunicorn's TLS and protocol settings apply to them as Kestrel's endpoint defaults")]
    public static partial void ServingAppEndpoints(ILogger logger, string endpoints);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornRequestFieldsCapped, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornRequestFieldsCapped), Level = LogLevel.Information,
        Message = "{Setting} = {Value} ({Source}): gunicorn caps it at {Maximum}; the maximum is applied")]
    public static partial void RequestFieldsCapped(ILogger logger, string setting, string value, string source, int maximum);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornWorkerClassAccepted, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornWorkerClassAccepted), Level = LogLevel.Information,
        Message = "worker_class = {Value} ({Source}): Kestrel serves every request itself; the class only decides whether HTTP/2 stays on (it does)")]
    public static partial void WorkerClassAccepted(ILogger logger, string value, string source);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornHttp2NotSupportedByWorker, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornHttp2NotSupportedByWorker), Level = LogLevel.Warning,
        Message = "HTTP/2 is not supported by the {Worker} worker (worker_class = {Value}, {Source}); endpoints serve HTTP/1.1 only. Use worker_class = \"gthread\" to keep HTTP/2")]
    public static partial void Http2NotSupportedByWorker(ILogger logger, string worker, string value, string source);

    // Certificates. The development certificate's events are Information in Development and a Warning elsewhere.
    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornDevelopmentCertificateCreated, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornDevelopmentCertificateCreated),
        Message = "generated a self-signed development certificate for localhost/127.0.0.1: {CertificateFile} (key {KeyFile}); it is reused on later runs. "
            + "The environment is {Environment}; a self-signed certificate is for Development only (clients cannot verify it): elsewhere set certfile and keyfile to a certificate from a CA (for example Let's Encrypt)")]
    public static partial void DevelopmentCertificateCreated(ILogger logger, LogLevel level, string certificateFile, string keyFile, string environment);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornDevelopmentCertificateReused, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornDevelopmentCertificateReused),
        Message = "using the self-signed development certificate {CertificateFile} (expires {Expires}). "
            + "The environment is {Environment}; a self-signed certificate is for Development only (clients cannot verify it): elsewhere set certfile and keyfile to a certificate from a CA (for example Let's Encrypt)")]
    public static partial void DevelopmentCertificateReused(ILogger logger, LogLevel level, string certificateFile, string expires, string environment);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornSelfSignedCertificate, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornSelfSignedCertificate), Level = LogLevel.Warning,
        Message = "certfile ({Source}): {Subject} is self-signed and the environment is {Environment}, not Development: clients cannot verify it. Use a certificate from a CA (for example Let's Encrypt) outside development")]
    public static partial void SelfSignedCertificate(ILogger logger, string source, string subject, string environment);

    // The embedded default endpoint (used when no bind is set).
    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefaultListening, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefaultListening), Level = LogLevel.Information,
        Message = "no bind set: listening on the embedded default https://{Address} ({Protocols})")]
    public static partial void EmbeddedDefaultListening(ILogger logger, string address, string protocols);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefaultNotUsed, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefaultNotUsed), Level = LogLevel.Information,
        Message = "the embedded default https://{Address} is not used: {Count} endpoint(s) were configured in code")]
    public static partial void EmbeddedDefaultNotUsed(ILogger logger, string address, int count);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefaultReplacesLaunchProfile, EventName = nameof(Http2FeaturesEventIds.Configuration.GunicornEmbeddedDefaultReplacesLaunchProfile), Level = LogLevel.Warning,
        Message = "launch profile '{LaunchProfile}' (Properties/launchSettings.json) sets only {Urls}, where browsers get no HTTP/2: listening on the embedded default https://{Address} (h2,h1) instead. "
            + "To serve the profile's port, set bind (for example -b localhost:PORT with --certfile/--keyfile), or run an https profile (dotnet run --launch-profile https)")]
    public static partial void EmbeddedDefaultReplacesLaunchProfile(ILogger logger, string launchProfile, string urls, string address);
}
