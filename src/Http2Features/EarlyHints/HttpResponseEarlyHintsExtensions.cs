using Http2Features;
using Http2Features.EarlyHints;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Http;

/// <summary>Sends 103 Early Hints (RFC 8297) before the final response.</summary>
public static class HttpResponseEarlyHintsExtensions
{
    /// <summary>
    /// Sends ONE 103 Early Hints response carrying a <c>Link</c> field per link. Browsers act on the first 103
    /// of a response only, so pass every hint in one call. Requires <c>AddHttp2Features()</c> and
    /// <c>ListenOptions.UseHttp2Features()</c> on the endpoint.
    /// </summary>
    /// <param name="response">The response, which must not have started.</param>
    /// <param name="links">The links.</param>
    /// <returns>Sent, or not sent with the reason (HTTP/1.0 client, HTTP/3, no connection middleware, ...).</returns>
    /// <exception cref="InvalidOperationException">The response has already started.</exception>
    /// <exception cref="ArgumentException">A link is invalid or the hints exceed <see cref="EarlyHintsOptions.MaxTotalSize"/>.</exception>
    public static ValueTask<EarlyHintsResult> SendEarlyHintsAsync(this HttpResponse response, params EarlyHintLink[] links)
        => SendEarlyHintsAsync(response, (IEnumerable<EarlyHintLink>)links, CancellationToken.None);

    /// <summary>Sends ONE 103 Early Hints response carrying a <c>Link</c> field per link.</summary>
    /// <param name="response">The response, which must not have started.</param>
    /// <param name="links">The links.</param>
    /// <param name="cancellationToken">Cancels waiting for a safe point to write.</param>
    /// <returns>Sent, or not sent with the reason.</returns>
    /// <exception cref="InvalidOperationException">The response has already started.</exception>
    /// <exception cref="ArgumentException">A link is invalid or the hints are too large.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Both overloads are part of the 0.2 baseline; the rule guards adding optional parameters to released overloads later.")]
    public static ValueTask<EarlyHintsResult> SendEarlyHintsAsync(this HttpResponse response, IEnumerable<EarlyHintLink> links, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(links);
        var fields = links is IReadOnlyCollection<EarlyHintLink> sized ? new KeyValuePair<string, string>[sized.Count] : null;
        var list = fields is null ? new List<KeyValuePair<string, string>>() : null;
        var count = 0;
        if (links is IReadOnlyList<EarlyHintLink> indexed && fields is not null)
        {
            // An array (the params overload) or a list: no enumerator to allocate.
            for (; count < fields.Length && count < indexed.Count; count++)
            {
                var link = indexed[count];
                ArgumentNullException.ThrowIfNull(link, nameof(links));
                fields[count] = new KeyValuePair<string, string>("link", link.ToString());
            }
        }
        else
        {
            foreach (var link in links)
            {
                ArgumentNullException.ThrowIfNull(link, nameof(links));
                var field = new KeyValuePair<string, string>("link", link.ToString());
                if (fields is not null && count < fields.Length)
                {
                    fields[count++] = field;
                }
                else
                {
                    (list ??= [.. fields ?? []]).Add(field);
                }
            }
        }

        // The fields are made here for this call only, so the 103's queue can keep them without a copy.
        IReadOnlyList<KeyValuePair<string, string>> made = list is not null ? list : count == fields!.Length ? fields : fields[..count];
        var feature = GetFeature(response.HttpContext);
        return feature is EarlyHintsFeature ours ? ours.SendAsync(made, ownsFields: true, cancellationToken) : feature.SendAsync(made, cancellationToken);
    }

    /// <summary>
    /// Sends ONE 103 Early Hints response with arbitrary header fields (for example several <c>link</c> fields
    /// or a <c>content-security-policy</c>). Names must be tokens; CR, LF, NUL and pseudo-headers are refused.
    /// </summary>
    /// <param name="response">The response, which must not have started.</param>
    /// <param name="headers">The fields, in order.</param>
    /// <param name="cancellationToken">Cancels waiting for a safe point to write.</param>
    /// <returns>Sent, or not sent with the reason.</returns>
    /// <exception cref="InvalidOperationException">The response has already started.</exception>
    /// <exception cref="ArgumentException">A field is invalid or the fields are too large.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Both overloads are part of the 0.2 baseline; the rule guards adding optional parameters to released overloads later.")]
    public static ValueTask<EarlyHintsResult> SendEarlyHintsAsync(this HttpResponse response, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(headers);
        return GetFeature(response.HttpContext).SendAsync(headers.ToList(), cancellationToken);
    }

    internal static IHttpEarlyHintsFeature GetFeature(HttpContext context)
    {
        var feature = context.Features.Get<IHttpEarlyHintsFeature>();
        if (feature is null)
        {
            // Without AddHttp2Features() the call still behaves as documented: default options, and NoConnectionSeam with
            // warning 6003 (naming AddHttp2Features) where no seam is installed, on Kestrel and under TestServer alike.
            // The connection's, where the seam put it (EarlyHintsCapability); else the app's services.
            var service = context.Features.Get<EarlyHintsService>()
                ?? context.RequestServices?.GetService<EarlyHintsService>()
                ?? EarlyHintsService.Unregistered(context.RequestServices);
            feature = new EarlyHintsFeature(context, service);
            context.Features.Set(feature);
        }

        return feature;
    }
}
