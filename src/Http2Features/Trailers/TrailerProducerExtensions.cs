using Http2Features;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Ready-made trailer producers, per endpoint (<c>app.MapGet(...).WithChecksumTrailers()</c>) or for every request
/// (<c>app.UseChecksumTrailers()</c>). The endpoint forms only add metadata; <c>AddHttp2Features()</c> runs them around
/// the endpoint (or <see cref="UseEndpointTrailerProducers"/> where you place it), so the endpoint writes its result exactly
/// as without them. On a response that cannot carry trailers (HTTP/1.0, a Content-Length response) they do nothing.
/// </summary>
public static class TrailerProducerExtensions
{
    /// <summary>
    /// Sends body checksums as trailers, computed while the body streams (no buffering) and declared in the
    /// <c>Trailer</c> header. Not sent for HEAD, 204, 206 or 304 responses. Default: <c>repr-digest</c> with sha-256.
    /// </summary>
    public static TBuilder WithChecksumTrailers<TBuilder>(this TBuilder builder, ChecksumTrailers checksums = ChecksumTrailers.ReprDigestSha256)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithProducers(Require(checksums), false, false);

    /// <summary>Sends a <c>server-timing</c> trailer: <c>total;dur=…</c> (the handler's elapsed milliseconds) plus metrics added with <see cref="ServerTimingExtensions.AddServerTimingMetric"/>.</summary>
    public static TBuilder WithServerTimingTrailer<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithProducers(ChecksumTrailers.None, true, false);

    /// <summary>
    /// Sends <c>grpc-status</c> (and <c>grpc-message</c>) trailers: the status given to
    /// <see cref="GrpcStatusExtensions.SendGrpcStatusAsync"/> or sent by the app itself (never a second one), else 0 (OK) when
    /// the handler returns, or 2 (UNKNOWN) with HTTP 200 when it throws (the exception is logged, not rethrown, as grpc-dotnet
    /// does). When the body never started the status goes in the headers (gRPC's Trailers-Only response).
    /// </summary>
    public static TBuilder WithGrpcStatusTrailers<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithProducers(ChecksumTrailers.None, false, true);

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
    /// on controllers, actions, pages or handlers, or the metadata of the <c>.WithXxx()</c> methods) at this point of the
    /// pipeline. Optional: <c>AddHttp2Features()</c> already runs them around the endpoint itself. Place it after routing
    /// (<c>UseRouting</c>) and before <c>UseResponseCompression</c> when the digest must cover the compressed bytes.
    /// Endpoints without such metadata cost one lookup.
    /// </summary>
    public static IApplicationBuilder UseEndpointTrailerProducers(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(next =>
        {
            var services = app.ApplicationServices.GetService<TrailersServices>();
            return context =>
            {
                var set = TrailerProducerRunner.FromMetadata(context.GetEndpoint()?.Metadata);
                return set == default ? next(context) : TrailerProducerRunner.RunAsync(context, next, set, services);
            };
        });
    }

    private static TBuilder WithProducers<TBuilder>(this TBuilder builder, ChecksumTrailers checksums, bool serverTiming, bool grpcStatus)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new TrailerProducerMetadata(checksums, serverTiming, grpcStatus));
    }

    private static IApplicationBuilder UseProducers(this IApplicationBuilder app, TrailerProducerSet set)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(next =>
        {
            var services = app.ApplicationServices.GetService<TrailersServices>();
            return context => TrailerProducerRunner.RunAsync(context, next, set, services);
        });
    }

    private static ChecksumTrailers Require(ChecksumTrailers checksums) =>
        checksums == ChecksumTrailers.None || (checksums & ~(ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha256 | ChecksumTrailers.ReprDigestSha512)) != 0
            ? throw new ArgumentOutOfRangeException(nameof(checksums), checksums, "Choose one or more of ContentMd5, ReprDigestSha256, ReprDigestSha512.")
            : checksums;
}
