using Http2Features;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Microsoft.AspNetCore.Http;

/// <summary>
/// The entry points for response trailers: declare before the body, send after it.
/// <code>
/// response.AnnounceTrailers("x-row-count");
/// await response.WriteAsync(body);
/// var result = await response.SendTrailersAsync("x-row-count", "42");   // result.Status: Sent, NotSupported, …
/// </code>
/// </summary>
public static class ResponseTrailersExtensions
{
    /// <summary>
    /// Gets this request's <see cref="IHttpResponseTrailersSenderFeature"/>: the one already on <c>HttpContext.Features</c> (yours, if you set
    /// one), else the pack's, created and stored on first use.
    /// </summary>
    public static IHttpResponseTrailersSenderFeature GetTrailersFeature(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<IHttpResponseTrailersSenderFeature>() ?? GetFeature(context);
    }

    /// <summary>
    /// Declares trailer names in the <c>Trailer</c> header (RFC 9110 §6.6.2); several calls merge.
    /// Call before the response starts. On a response that cannot carry trailers (HTTP/1.x) the names are only remembered.
    /// </summary>
    /// <exception cref="TrailerValidationException">A name may not be a trailer; the message names it and the rule.</exception>
    /// <exception cref="InvalidOperationException">The response has already started.</exception>
    public static void AnnounceTrailers(this HttpResponse response, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(names);
        response.HttpContext.GetTrailersFeature().AnnounceTrailers(names);
    }

    /// <summary>
    /// Validates and adds trailers that go out when the response completes (the handler returns). Never throws because
    /// trailers are unsupported or the client left: see <see cref="TrailersResult.Status"/>.
    /// </summary>
    /// <exception cref="TrailerValidationException">A field breaks a rule; nothing was added.</exception>
    public static TrailersResult AppendTrailers(this HttpResponse response, IEnumerable<KeyValuePair<string, StringValues>> trailers)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.HttpContext.GetTrailersFeature().Append(trailers);
    }

    /// <inheritdoc cref="AppendTrailers(HttpResponse, IEnumerable{KeyValuePair{string, StringValues}})"/>
    public static TrailersResult AppendTrailers(this HttpResponse response, string name, StringValues value)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.HttpContext.GetTrailersFeature().Append([new(name, value)]);
    }

    /// <summary>
    /// Validates the trailers, adds them and completes the response (body flushed, trailers sent with END_STREAM).
    /// Outcomes are reported, not thrown: <see cref="TrailersStatus.NotSupported"/> on HTTP/1.x (the response is still
    /// completed), <see cref="TrailersStatus.AlreadySent"/> on a second call, <see cref="TrailersStatus.ResponseCompleted"/>
    /// after the response completed, <see cref="TrailersStatus.ClientAborted"/> after the client reset the stream.
    /// </summary>
    /// <exception cref="TrailerValidationException">A field breaks a rule; nothing was sent or completed.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0027:API with optional parameter(s) should have the most parameters amongst its public overloads", Justification = "The one-trailer overload (name, value) has more parameters but no optional one; both are part of the 0.2 baseline.")]
    public static ValueTask<TrailersResult> SendTrailersAsync(this HttpResponse response, IEnumerable<KeyValuePair<string, StringValues>>? trailers = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.HttpContext.GetTrailersFeature().SendAsync(trailers);
    }

    /// <inheritdoc cref="SendTrailersAsync(HttpResponse, IEnumerable{KeyValuePair{string, StringValues}})"/>
    public static ValueTask<TrailersResult> SendTrailersAsync(this HttpResponse response, string name, StringValues value)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.HttpContext.GetTrailersFeature().SendAsync([new(name, value)]);
    }

    /// <summary>The pack's own feature (the producers need it); replaces a foreign one.</summary>
    /// <param name="context">The request.</param>
    /// <param name="services">The pack's services when the caller holds them: saves creating the request's DI scope.</param>
    internal static ResponseTrailersFeature GetFeature(HttpContext context, TrailersServices? services = null)
    {
        ArgumentNullException.ThrowIfNull(context);

        var features = context.Features;
        if (features.Get<IHttpResponseTrailersSenderFeature>() is ResponseTrailersFeature existing)
        {
            return existing;
        }

        services ??= context.RequestServices?.GetService<TrailersServices>() ?? TrailersServices.Default;
        var feature = new ResponseTrailersFeature(context, services);
        features.Set<IHttpResponseTrailersSenderFeature>(feature);
        return feature;
    }
}
