using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>The seam's log messages (event ids in <see cref="Http2FeaturesEventIds.Connection"/>).</summary>
internal static partial class SeamLog
{
    [LoggerMessage(EventId = Http2FeaturesEventIds.Connection.FrameObserverStopped, EventName = nameof(Http2FeaturesEventIds.Connection.FrameObserverStopped), Level = LogLevel.Warning,
        Message = "The Http2Features frame observer stopped on this connection; Kestrel is unaffected, priority signals for the rest of the connection are not recorded.")]
    public static partial void ObserverStopped(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Connection.EndpointWithoutSeam, EventName = nameof(Http2FeaturesEventIds.Connection.EndpointWithoutSeam), Level = LogLevel.Warning,
        Message = "Endpoint {Address} has no Http2Features connection seam, so HTTP/2 stream priority and 103 Early Hints don't work on it. Fix: call listenOptions.UseHttp2Features() after listenOptions.UseHttps(...) (or after Listen on a cleartext endpoint) for that endpoint.")]
    public static partial void EndpointWithoutSeam(ILogger logger, string address);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Connection.EndpointDefaultsUnavailable, EventName = nameof(Http2FeaturesEventIds.Connection.EndpointDefaultsUnavailable), Level = LogLevel.Warning,
        Message = "Http2Features could not add its connection seam to Kestrel's endpoint defaults (this Kestrel version changed an internal the pack relies on); endpoints need listenOptions.UseHttp2Features() explicitly.")]
    public static partial void EndpointDefaultsUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Connection.TransportHiddenFromSeam, EventName = nameof(Http2FeaturesEventIds.Connection.TransportHiddenFromSeam), Level = LogLevel.Warning,
        Message = "Endpoint {Endpoint}: a connection middleware placed before UseHttps hands the rest of the pipeline a connection context of its own, so the Http2Features connection seam only sees ciphertext (first seen on connection {ConnectionId}). HTTP/2 stream priority, 103 Early Hints and HTTP/1.1 trailers don't work on this endpoint. Fix: call listenOptions.UseHttp2Features() after listenOptions.UseHttps(...) for that endpoint. (Logged once per endpoint.)")]
    public static partial void TransportHiddenFromSeam(ILogger logger, string endpoint, string connectionId);
}
