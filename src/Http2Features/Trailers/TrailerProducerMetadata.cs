namespace Http2Features.Trailers;

/// <summary>
/// Endpoint metadata saying which ready-made trailer producers an endpoint uses. Added by
/// <c>.WithChecksumTrailers()</c>, <c>.WithServerTimingTrailer()</c> and <c>.WithGrpcStatusTrailers()</c>
/// (together with the endpoint filter that runs them); readable by tooling such as OpenAPI transformers.
/// </summary>
public sealed class TrailerProducerMetadata
{
    /// <summary>Creates the metadata.</summary>
    public TrailerProducerMetadata(ChecksumTrailers checksums, bool serverTiming, bool grpcStatus)
    {
        Checksums = checksums;
        ServerTiming = serverTiming;
        GrpcStatus = grpcStatus;
    }

    /// <summary>Checksums sent as trailers.</summary>
    public ChecksumTrailers Checksums { get; }

    /// <summary>Whether a <c>server-timing</c> trailer is sent.</summary>
    public bool ServerTiming { get; }

    /// <summary>Whether <c>grpc-status</c>/<c>grpc-message</c> trailers are sent.</summary>
    public bool GrpcStatus { get; }

    internal TrailerProducerSet ToSet() => new(Checksums, ServerTiming, GrpcStatus);
}
