using Microsoft.Extensions.Logging;

namespace Http2Features.Scheduling;

/// <summary>Scheduling and admission log messages (event ids 2050–2099).</summary>
internal static partial class SchedulingLog
{
    [LoggerMessage(EventId = Http2FeaturesEventIds.Scheduling.SchedulingConnectionStarted, EventName = nameof(Http2FeaturesEventIds.Scheduling.SchedulingConnectionStarted), Level = LogLevel.Debug,
        Message = "Response scheduling serves HTTP/2 connection {ConnectionId}; TCP_NOTSENT_LOWAT {LowWatermark}.")]
    public static partial void ConnectionStarted(ILogger logger, string connectionId, string lowWatermark);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Scheduling.SchedulingLowWatermarkFailed, EventName = nameof(Http2FeaturesEventIds.Scheduling.SchedulingLowWatermarkFailed), Level = LogLevel.Debug,
        Message = "Could not set TCP_NOTSENT_LOWAT on connection {ConnectionId}; scheduling works, with more data buffered in the kernel.")]
    public static partial void LowWatermarkFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Scheduling.AdmissionRejected, EventName = nameof(Http2FeaturesEventIds.Scheduling.AdmissionRejected), Level = LogLevel.Debug,
        Message = "Request {Method} {Path} rejected with 503: {Reason}.")]
    public static partial void AdmissionRejected(ILogger logger, string method, string path, string reason);
}
