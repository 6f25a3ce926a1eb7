namespace Http2Features;

/// <summary>
/// Every log event id of the pack, in one table. Each capability owns a range (<c>First</c>..<c>Last</c>) and logs
/// with <c>EventId = Http2FeaturesEventIds.X.Y, EventName = nameof(Http2FeaturesEventIds.X.Y)</c>, so an id and its
/// name cannot drift apart; a test checks the ranges, that ids are unique and that every <c>[LoggerMessage]</c> in
/// src uses this table. docs/http2.md ("Logs and metrics") lists the events.
/// </summary>
internal static class Http2FeaturesEventIds
{
    /// <summary>The gunicorn-style settings binder (src/Http2Features/Configuration).</summary>
    internal static class Configuration
    {
        public const int First = 1000;
        public const int Last = 1099;

        // Each start-up diagnostic has its own id, name and structured template (GunicornLog); the binder logs them once per host.
        public const int GunicornSettingApplied = 1001;
        public const int GunicornUnknownSetting = 1002;
        public const int GunicornConfigFileStatementIgnored = 1003;
        public const int GunicornSettingIgnored = 1004;
        public const int GunicornProcessSettingNotApplied = 1005;
        public const int GunicornHttp2NotSupportedByWorker = 1006;
        public const int GunicornDevelopmentCertificateCreated = 1007;
        public const int GunicornEmbeddedDefaultListening = 1008;
        public const int GunicornBind = 1009;
        public const int GunicornUnknownSettingWithSuggestion = 1010;
        public const int GunicornNotAGunicornSetting = 1011;
        public const int GunicornUnknownSettingsNotListed = 1012;
        public const int GunicornUnknownFlag = 1013;
        public const int GunicornUnknownFlagWithSuggestion = 1014;
        public const int GunicornPositionalArgumentIgnored = 1015;
        public const int GunicornConfigFileStatementsNotListed = 1016;
        public const int GunicornNestedConfigIgnored = 1017;
        public const int GunicornCleartextIgnoredWithTls = 1018;
        public const int GunicornCleartextWithoutH2 = 1019;
        public const int GunicornH2NotAppliedToAppEndpoints = 1020;
        public const int GunicornCleartextUpgradeUnsupported = 1021;
        public const int GunicornAccessLogFormatWithoutAccessLog = 1022;
        public const int GunicornTlsSettingsWithoutHttps = 1023;
        public const int GunicornCaCertsWithoutClientCertificates = 1024;
        public const int GunicornCiphersWithoutTls = 1025;
        public const int GunicornCiphersUnsupportedOnOs = 1026;
        public const int GunicornSettingsNotAppliedToCodeEndpoints = 1027;
        public const int GunicornServingAppEndpoints = 1028;
        public const int GunicornRequestFieldsCapped = 1029;
        public const int GunicornWorkerClassAccepted = 1030;
        public const int GunicornDevelopmentCertificateReused = 1031;
        public const int GunicornSelfSignedCertificate = 1032;
        public const int GunicornEmbeddedDefaultNotUsed = 1033;
        public const int GunicornEmbeddedDefaultReplacesLaunchProfile = 1034;
    }

    /// <summary>The connection seam (src/Http2Features/Connection).</summary>
    internal static class Connection
    {
        public const int First = 1100;
        public const int Last = 1199;

        public const int FrameObserverStopped = 1100;
        public const int EndpointWithoutSeam = 1101;
        public const int EndpointDefaultsUnavailable = 1102;
        public const int TransportHiddenFromSeam = 1103;
    }

    /// <summary>PROXY protocol v1/v2 reading (src/Http2Features/Connection/ProxyProtocol).</summary>
    internal static class ProxyProtocol
    {
        public const int First = 1200;
        public const int Last = 1249;

        public const int ProxyHeaderRead = 1200;
        public const int ProxyHeaderRejected = 1201;
        public const int ProxyHeaderTimedOut = 1202;
        public const int ProxyHeaderFromUntrustedPeer = 1203;
        public const int ProxyUntrustedPeerServedDirectly = 1204;
    }

    /// <summary>Stream priority (src/Http2Features/Priority).</summary>
    internal static class Priority
    {
        public const int First = 2000;
        public const int Last = 2049;
    }

    /// <summary>Priority-driven scheduling and admission.</summary>
    internal static class Scheduling
    {
        public const int First = 2050;
        public const int Last = 2099;

        public const int SchedulingConnectionStarted = 2050;
        public const int SchedulingLowWatermarkFailed = 2051;
        public const int AdmissionRejected = 2060;
    }

    /// <summary>Response trailers (src/Http2Features/Trailers).</summary>
    internal static class Trailers
    {
        public const int First = 5000;
        public const int Last = 5099;

        public const int UndeclaredTrailer = 5001;
        public const int TrailersNotSent = 5002;
        public const int TrailersCompleteFailed = 5003;
        public const int GrpcHandlerException = 5004;
        public const int ProducerTrailersDropped = 5005;
    }

    /// <summary>Trailers on HTTP/1.1 chunked responses.</summary>
    internal static class Http1Trailers
    {
        public const int First = 5100;
        public const int Last = 5149;
    }

    /// <summary>103 Early Hints (src/Http2Features/EarlyHints).</summary>
    internal static class EarlyHints
    {
        public const int First = 6000;
        public const int Last = 6049;

        public const int EarlyHintsSent = 6001;
        public const int EarlyHintsNotSent = 6002;
        public const int EarlyHintsNoConnectionSeam = 6003;
    }

    /// <summary>Automatic (declared and learned) early hints.</summary>
    internal static class AutomaticHints
    {
        public const int First = 6050;
        public const int Last = 6099;

        public const int LearnedEarlyHintsChanged = 6050;
        public const int LearnedEarlyHintsTooLarge = 6051;
        public const int AutomaticEarlyHintsMiddlewareMissing = 6052;
        public const int EarlyHintsAlreadySent = 6053;
    }
}
