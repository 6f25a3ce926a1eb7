using Http2Features;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Ready-made trailer producers, per endpoint (<c>app.MapGet(...).WithChecksumTrailers()</c>) or for every request
/// (<c>app.UseChecksumTrailers()</c>). On a response that cannot carry trailers (HTTP/1.x) they do nothing.
/// </summary>
public static class TrailerProducerExtensions
{
    /// <summary>
    /// Sends body checksums as trailers, computed while the body streams (no buffering) and declared in the
    /// <c>Trailer</c> header. Not sent for HEAD, 204, 206 or 304 responses. Default: <c>repr-digest</c> with sha-256.
    /// </summary>
    public static TBuilder WithChecksumTrailers<TBuilder>(this TBuilder builder, ChecksumTrailers checksums = ChecksumTrailers.ReprDigestSha256)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithProducers(new TrailerProducerSet(Require(checksums), false, false));

    /// <summary>Sends a <c>server-timing</c> trailer: <c>total;dur=…</c> (the handler's elapsed milliseconds) plus metrics added with <see cref="ServerTimingExtensions.AddServerTimingMetric"/>.</summary>
    public static TBuilder WithServerTimingTrailer<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithProducers(new TrailerProducerSet(ChecksumTrailers.None, true, false));

    /// <summary>
    /// Sends <c>grpc-status</c> (and <c>grpc-message</c>) trailers: the status given to
    /// <see cref="GrpcStatusExtensions.SendGrpcStatusAsync"/>, else 0 (OK) when the handler returns, or 2 (UNKNOWN) when it
    /// throws (the exception is logged, not rethrown, as gRPC servers do).
    /// </summary>
    public static TBuilder WithGrpcStatusTrailers<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithProducers(new TrailerProducerSet(ChecksumTrailers.None, false, true));

    /// <summary>Middleware form of <see cref="WithChecksumTrailers"/>. Place it before (outside) response compression so the digest covers the encoded bytes.</summary>
    public static IApplicationBuilder UseChecksumTrailers(this IApplicationBuilder app, ChecksumTrailers checksums = ChecksumTrailers.ReprDigestSha256) =>
        app.UseProducers(new TrailerProducerSet(Require(checksums), false, false));

    /// <summary>Middleware form of <see cref="WithServerTimingTrailer"/>; the time covers everything after this middleware.</summary>
    public static IApplicationBuilder UseServerTimingTrailer(this IApplicationBuilder app) =>
        app.UseProducers(new TrailerProducerSet(ChecksumTrailers.None, true, false));

    /// <summary>Middleware form of <see cref="WithGrpcStatusTrailers"/>.</summary>
    public static IApplicationBuilder UseGrpcStatusTrailers(this IApplicationBuilder app) =>
        app.UseProducers(new TrailerProducerSet(ChecksumTrailers.None, false, true));

    /// <summary>
    /// Runs the producers named by each endpoint's <see cref="ITrailerProducerMetadata"/> (<see cref="ResponseTrailersAttribute"/>
    /// on controllers, actions, pages or handlers, or the metadata of the <c>.WithXxx()</c> methods). Place it after routing
    /// (<c>UseRouting</c>, implicit in minimal hosting) so the endpoint is known. Endpoints without such metadata cost one lookup.
    /// </summary>
    public static IApplicationBuilder UseEndpointTrailerProducers(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            var metadata = context.GetEndpoint()?.Metadata.GetOrderedMetadata<ITrailerProducerMetadata>();
            if (metadata is null || metadata.Count == 0)
            {
                return next(context);
            }

            var set = default(TrailerProducerSet);
            foreach (var item in metadata)
            {
                set = new TrailerProducerSet(set.Checksums | item.Checksums, set.ServerTiming || item.ServerTiming, set.GrpcStatus || item.GrpcStatus);
            }

            return set == default ? next(context) : TrailerProducerRunner.RunAsync(context, () => next(context), set);
        });
    }

    private static TBuilder WithProducers<TBuilder>(this TBuilder builder, TrailerProducerSet set)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new TrailerProducerMetadata(set.Checksums, set.ServerTiming, set.GrpcStatus));
        builder.AddEndpointFilter(new TrailerProducerEndpointFilter(set));
        return builder;
    }

    private static IApplicationBuilder UseProducers(this IApplicationBuilder app, TrailerProducerSet set)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) => TrailerProducerRunner.RunAsync(context, next, set));
    }

    private static ChecksumTrailers Require(ChecksumTrailers checksums) =>
        checksums == ChecksumTrailers.None || (checksums & ~(ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha256 | ChecksumTrailers.ReprDigestSha512)) != 0
            ? throw new ArgumentOutOfRangeException(nameof(checksums), checksums, "Choose one or more of ContentMd5, ReprDigestSha256, ReprDigestSha512.")
            : checksums;
}
