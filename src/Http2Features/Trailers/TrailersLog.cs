using Microsoft.Extensions.Logging;

namespace Http2Features.Trailers;

/// <summary>Source-generated logs of the trailers capability (event ids in <see cref="Http2FeaturesEventIds.Trailers"/>).</summary>
internal static partial class TrailersLog
{
    [LoggerMessage(EventId = Http2FeaturesEventIds.Trailers.UndeclaredTrailer, EventName = nameof(Http2FeaturesEventIds.Trailers.UndeclaredTrailer), Level = LogLevel.Warning,
        Message = "Trailer '{TrailerName}' was sent without being declared in the Trailer header (RFC 9110 §6.6.2). Announce it with response.AnnounceTrailers(...) before the response starts, or set Http2Features:Trailers:UndeclaredTrailerPolicy to Allow in configuration (appsettings.json; AddHttp2Features() binds the Http2Features section).")]
    public static partial void UndeclaredTrailer(ILogger logger, string trailerName);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Trailers.TrailersNotSent, EventName = nameof(Http2FeaturesEventIds.Trailers.TrailersNotSent), Level = LogLevel.Debug,
        Message = "Trailers not sent for {Protocol} request: {Outcome}.")]
    public static partial void TrailersNotSent(ILogger logger, string protocol, TrailersStatus outcome);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Trailers.TrailersCompleteFailed, EventName = nameof(Http2FeaturesEventIds.Trailers.TrailersCompleteFailed), Level = LogLevel.Debug,
        Message = "Completing the response with trailers failed; the client went away.")]
    public static partial void CompleteFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Trailers.GrpcHandlerException, EventName = nameof(Http2FeaturesEventIds.Trailers.GrpcHandlerException), Level = LogLevel.Error,
        Message = "The handler threw; sending grpc-status {GrpcStatus} in the trailers instead.")]
    public static partial void GrpcHandlerException(ILogger logger, int grpcStatus, Exception exception);

    [LoggerMessage(EventId = Http2FeaturesEventIds.Trailers.ProducerTrailersDropped, EventName = nameof(Http2FeaturesEventIds.Trailers.ProducerTrailersDropped), Level = LogLevel.Debug,
        Message = "Producer trailer '{TrailerName}' was not added: the response completed or the client went away.")]
    public static partial void ProducerTrailersDropped(ILogger logger, string trailerName);
}
