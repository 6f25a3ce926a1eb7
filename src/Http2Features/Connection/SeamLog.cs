using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>The seam's log messages (event ids in <see cref="Http2FeaturesEventIds.Connection"/>).</summary>
internal static partial class SeamLog
{
    [LoggerMessage(EventId = Http2FeaturesEventIds.Connection.FrameObserverStopped, EventName = nameof(Http2FeaturesEventIds.Connection.FrameObserverStopped), Level = LogLevel.Warning,
        Message = "The Http2Features frame observer stopped on this connection; Kestrel is unaffected, priority signals for the rest of the connection are not recorded.")]
    public static partial void ObserverStopped(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Connection.EndpointWithoutSeam, EventName = nameof(Http2FeaturesEventIds.Connection.EndpointWithoutSeam), Level = LogLevel.Warning,
        Message = "HTTPS endpoint {Address} has no Http2Features connection seam, so HTTP/2 stream priority and 103 Early Hints don't work on it. Fix: call listenOptions.UseHttp2Features() after listenOptions.UseHttps(...) for that endpoint.")]
    public static partial void EndpointWithoutSeam(ILogger logger, string address);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Connection.EndpointDefaultsUnavailable, EventName = nameof(Http2FeaturesEventIds.Connection.EndpointDefaultsUnavailable), Level = LogLevel.Warning,
        Message = "Http2Features could not add its connection seam to Kestrel's endpoint defaults (this Kestrel version changed an internal the pack relies on); endpoints need listenOptions.UseHttp2Features() explicitly.")]
    public static partial void EndpointDefaultsUnavailable(ILogger logger, Exception exception);
}
