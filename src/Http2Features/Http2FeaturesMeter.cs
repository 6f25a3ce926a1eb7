using System.Diagnostics.Metrics;

namespace Http2Features;

/// <summary>
/// The pack's one <see cref="Meter"/>, named once here. Every capability creates its instruments on
/// <see cref="Create"/>'s result; <see cref="IMeterFactory"/> hands back the same meter for the same name, so an app has
/// one "Http2Features" meter per service provider. docs/http2.md ("Logs and metrics") lists the instruments.
/// </summary>
internal static class Http2FeaturesMeter
{
    /// <summary>The meter name, for <c>AddMeter("Http2Features")</c> in OpenTelemetry or <c>dotnet-counters</c>.</summary>
    public const string Name = "Http2Features";

    /// <summary>OpenTelemetry's attribute for why an operation failed; absent when it succeeded.</summary>
    public const string ErrorType = "error.type";

    /// <summary>OpenTelemetry's <c>network.protocol.version</c>: "1.0", "1.1", "2", "3", like Kestrel's own metrics.</summary>
    public const string NetworkProtocolVersion = "network.protocol.version";

    public static Meter Create(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        return meterFactory.Create(Name);
    }
}
