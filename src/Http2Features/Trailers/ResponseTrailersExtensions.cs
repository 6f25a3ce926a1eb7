using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Http2Features.Trailers;

/// <summary>
/// The entry points for response trailers: declare before the body, send after it.
/// <code>
/// response.DeclareTrailers("x-row-count");
/// await response.WriteAsync(body);
/// var result = await response.SendTrailersAsync("x-row-count", "42");   // result.Status: Sent, NotSupported, …
/// </code>
/// </summary>
public static class ResponseTrailersExtensions
{
    /// <summary>
    /// Gets this request's <see cref="ITrailersFeature"/>: the one already on <c>HttpContext.Features</c> (yours, if you set
    /// one), else the pack's, created and stored on first use.
    /// </summary>
    public static ITrailersFeature GetTrailersFeature(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ITrailersFeature>() ?? GetFeature(context);
    }

    /// <summary>
    /// Declares trailer names in the <c>Trailer</c> header (RFC 9110 §6.6.2); several calls merge.
    /// Call before the response starts. On a response that cannot carry trailers (HTTP/1.x) the names are only remembered.
    /// </summary>
    /// <exception cref="TrailerValidationException">A name may not be a trailer; the message names it and the rule.</exception>
    /// <exception cref="InvalidOperationException">The response has already started.</exception>
    public static void DeclareTrailers(this HttpResponse response, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(names);
        response.HttpContext.GetTrailersFeature().DeclareTrailers(names);
    }

    /// <summary>
    /// Validates and adds trailers that go out when the response completes (the handler returns). Never throws because
    /// trailers are unsupported or the client left: see <see cref="TrailerSendResult.Status"/>.
    /// </summary>
    /// <exception cref="TrailerValidationException">A field breaks a rule; nothing was added.</exception>
    public static TrailerSendResult TrySendTrailers(this HttpResponse response, IEnumerable<KeyValuePair<string, StringValues>> trailers)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.HttpContext.GetTrailersFeature().Append(trailers);
    }

    /// <inheritdoc cref="TrySendTrailers(HttpResponse, IEnumerable{KeyValuePair{string, StringValues}})"/>
    public static TrailerSendResult TrySendTrailers(this HttpResponse response, string name, StringValues value)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.HttpContext.GetTrailersFeature().Append([new(name, value)]);
    }

    /// <summary>
    /// Validates the trailers, adds them and completes the response (body flushed, trailers sent with END_STREAM).
    /// Outcomes are reported, not thrown: <see cref="TrailerSendStatus.NotSupported"/> on HTTP/1.x (the response is still
    /// completed), <see cref="TrailerSendStatus.AlreadySent"/> on a second call, <see cref="TrailerSendStatus.ResponseCompleted"/>
    /// after the response completed, <see cref="TrailerSendStatus.ClientAborted"/> after the client reset the stream.
    /// </summary>
    /// <exception cref="TrailerValidationException">A field breaks a rule; nothing was sent or completed.</exception>
    public static ValueTask<TrailerSendResult> SendTrailersAsync(this HttpResponse response, IEnumerable<KeyValuePair<string, StringValues>>? trailers = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.HttpContext.GetTrailersFeature().SendAsync(trailers);
    }

    /// <inheritdoc cref="SendTrailersAsync(HttpResponse, IEnumerable{KeyValuePair{string, StringValues}})"/>
    public static ValueTask<TrailerSendResult> SendTrailersAsync(this HttpResponse response, string name, StringValues value)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.HttpContext.GetTrailersFeature().SendAsync([new(name, value)]);
    }

    /// <summary>The pack's own feature (the producers need it); replaces a foreign one.</summary>
    internal static ResponseTrailersFeature GetFeature(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<ITrailersFeature>() is ResponseTrailersFeature existing)
        {
            return existing;
        }

        var services = context.RequestServices?.GetService<TrailersServices>() ?? TrailersServices.Default;
        var feature = new ResponseTrailersFeature(context, services);
        context.Features.Set<ITrailersFeature>(feature);
        return feature;
    }
}
