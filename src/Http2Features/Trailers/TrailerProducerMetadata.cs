namespace Http2Features;

/// <summary>
/// Endpoint metadata naming the ready-made trailer producers an endpoint uses (controllers, Razor Pages, minimal APIs, any
/// endpoint). Read by the pack when routing selects the endpoint (registered by <c>AddHttp2Features()</c>), or by
/// <c>app.UseEndpointTrailerProducers()</c> where that is placed.
/// </summary>
public interface ITrailerProducerMetadata
{
    /// <summary>Checksums sent as trailers.</summary>
    ChecksumTrailers Checksums { get; }

    /// <summary>Whether a <c>server-timing</c> trailer is sent.</summary>
    bool ServerTiming { get; }

    /// <summary>Whether <c>grpc-status</c>/<c>grpc-message</c> trailers are sent.</summary>
    bool GrpcStatus { get; }
}

/// <summary>
/// The metadata added by <c>.WithChecksumTrailers()</c>, <c>.WithServerTimingTrailer()</c> and <c>.WithGrpcStatusTrailers()</c>;
/// readable by tooling such as OpenAPI transformers.
/// </summary>
public sealed class TrailerProducerMetadata : ITrailerProducerMetadata
{
    /// <summary>Creates the metadata.</summary>
    public TrailerProducerMetadata(ChecksumTrailers checksums, bool serverTiming, bool grpcStatus)
    {
        Checksums = checksums;
        ServerTiming = serverTiming;
        GrpcStatus = grpcStatus;
    }

    /// <inheritdoc />
    public ChecksumTrailers Checksums { get; }

    /// <inheritdoc />
    public bool ServerTiming { get; }

    /// <inheritdoc />
    public bool GrpcStatus { get; }
}

/// <summary>
/// Asks for ready-made trailer producers on a controller, an action, a Razor Page or a minimal-API handler; takes effect
/// with <c>AddHttp2Features()</c> (or through <c>app.UseEndpointTrailerProducers()</c>).
/// <code>[ResponseTrailers(Checksums = ChecksumTrailers.ReprDigestSha256, ServerTiming = true)]</code>
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method | AttributeTargets.Delegate, AllowMultiple = false, Inherited = true)]
public sealed class ResponseTrailersAttribute : Attribute, ITrailerProducerMetadata
{
    /// <inheritdoc />
    public ChecksumTrailers Checksums { get; set; }

    /// <inheritdoc />
    public bool ServerTiming { get; set; }

    /// <inheritdoc />
    public bool GrpcStatus { get; set; }
}
