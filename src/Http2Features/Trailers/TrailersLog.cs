using Microsoft.Extensions.Logging;

namespace Http2Features.Trailers;

/// <summary>Source-generated logs of the trailers capability (event ids 5001–5099).</summary>
internal static partial class TrailersLog
{
    [LoggerMessage(EventId = 5001, EventName = "UndeclaredTrailer", Level = LogLevel.Warning,
        Message = "Trailer '{TrailerName}' was sent without being declared in the Trailer header (RFC 9110 §6.6.2). Declare it with response.AnnounceTrailers(...) before the response starts, or set Http2Features:Trailers:UndeclaredTrailerPolicy.")]
    public static partial void UndeclaredTrailer(ILogger logger, string trailerName);

    [LoggerMessage(EventId = 5002, EventName = "TrailersNotSent", Level = LogLevel.Debug,
        Message = "Trailers not sent for {Protocol} request: {Outcome}.")]
    public static partial void TrailersNotSent(ILogger logger, string protocol, TrailersStatus outcome);

    [LoggerMessage(EventId = 5003, EventName = "CompleteFailed", Level = LogLevel.Debug,
        Message = "Completing the response with trailers failed; the client went away.")]
    public static partial void CompleteFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5004, EventName = "GrpcHandlerException", Level = LogLevel.Error,
        Message = "The handler threw; sending grpc-status {GrpcStatus} in the trailers instead.")]
    public static partial void GrpcHandlerException(ILogger logger, int grpcStatus, Exception exception);

    [LoggerMessage(EventId = 5005, EventName = "ProducerTrailersDropped", Level = LogLevel.Debug,
        Message = "Producer trailer '{TrailerName}' was not added: the response completed or the client went away.")]
    public static partial void ProducerTrailersDropped(ILogger logger, string trailerName);
}
