using Microsoft.Extensions.Primitives;

namespace Http2Features;

/// <summary>
/// Declares, validates and sends response trailers for one request. Reach it with
/// <see cref="Microsoft.AspNetCore.Http.ResponseTrailersExtensions.GetTrailersFeature(Microsoft.AspNetCore.Http.HttpContext)"/> (created on first use and
/// stored on <c>HttpContext.Features</c>), or use the <c>HttpResponse</c> extensions in <see cref="Microsoft.AspNetCore.Http.ResponseTrailersExtensions"/>.
/// Built on Kestrel's <c>IHttpResponseTrailersFeature</c> on HTTP/2 and HTTP/3, and on the connection seam on HTTP/1.1 (the
/// trailers go into the last chunk). Like <c>HttpResponse</c>, not thread-safe.
/// </summary>
public interface IHttpResponseTrailersSenderFeature
{
    /// <summary>
    /// <see langword="true"/> when this response can carry trailers: HTTP/2 or HTTP/3, or an HTTP/1.1 response with a chunked
    /// body (no Content-Length) on an endpoint with the pack's connection seam. Before the response starts this is the
    /// prediction from its headers so far. Stays true after the response completed; the send methods then report
    /// <see cref="TrailersStatus.ResponseCompleted"/>.
    /// </summary>
    bool IsSupported { get; }

    /// <summary>Why this response cannot carry trailers; <see cref="TrailersUnsupportedReason.None"/> when it can.</summary>
    TrailersUnsupportedReason UnsupportedReason => IsSupported ? TrailersUnsupportedReason.None : TrailersUnsupportedReason.ServerWithoutTrailers;

    /// <summary>The names declared so far through this feature (lower-case, in order).</summary>
    IReadOnlyCollection<string> AnnouncedTrailers { get; }

    /// <summary><see langword="true"/> once <see cref="SendAsync"/> has completed the response.</summary>
    bool IsSent { get; }

    /// <summary>
    /// Declares trailer names in the <c>Trailer</c> response header; calls merge and repeated names are ignored.
    /// Names are validated like trailers. When <see cref="IsSupported"/> is false the names are only remembered
    /// (announcing trailers that will never come would mislead the client).
    /// </summary>
    /// <exception cref="TrailerValidationException">A name breaks a rule; nothing was declared.</exception>
    /// <exception cref="InvalidOperationException">The response has started, so its headers are already sent.</exception>
    void AnnounceTrailers(params ReadOnlySpan<string> names);

    /// <summary>
    /// Validates the trailers and hands them to the server without completing the response; they go out when the
    /// response completes (when the handler returns or the response is completed).
    /// </summary>
    /// <exception cref="TrailerValidationException">A field breaks a rule; nothing was added.</exception>
    TrailersResult Append(IEnumerable<KeyValuePair<string, StringValues>> trailers);

    /// <summary>
    /// Validates the trailers, adds them (plus those of any ready-made producer) and completes the response, which
    /// flushes the body and sends the trailers with END_STREAM. Further body writes are not allowed afterwards.
    /// The response is completed even when trailers are not supported. Never throws for a client that went away.
    /// </summary>
    /// <exception cref="TrailerValidationException">A field breaks a rule; nothing was added or completed.</exception>
    ValueTask<TrailersResult> SendAsync(IEnumerable<KeyValuePair<string, StringValues>>? trailers = null);
}
