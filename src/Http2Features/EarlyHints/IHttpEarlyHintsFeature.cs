namespace Http2Features;

/// <summary>
/// Sends 103 Early Hints (RFC 8297) for the current request. Most code calls <c>HttpResponse.SendEarlyHintsAsync</c>
/// (Microsoft.AspNetCore.Http.HttpResponseEarlyHintsExtensions) instead. Like the pack's other features it arrives on
/// first use: the first <c>SendEarlyHintsAsync</c> creates it and stores it on <c>HttpContext.Features</c> (one you set
/// there yourself, e.g. a test double, is used as it is).
/// </summary>
public interface IHttpEarlyHintsFeature
{
    /// <summary>
    /// Sends one 103 response carrying <paramref name="fields"/>. Every call produces exactly one 103
    /// (browsers act on the first 103 of a response only, so put all hints in one call).
    /// </summary>
    /// <param name="fields">Header fields of the 103, for example <c>("link", "&lt;/app.css&gt;; rel=preload; as=style")</c>.</param>
    /// <param name="cancellationToken">Cancels waiting for a safe point to write.</param>
    /// <returns>
    /// Completes when the 103 has been handed to the transport, or with the reason it was not sent.
    /// </returns>
    /// <exception cref="ArgumentException">A field name or value is invalid (not a token, CR/LF/NUL, pseudo-header, too large).</exception>
    /// <exception cref="InvalidOperationException">The response has already started.</exception>
    ValueTask<EarlyHintsResult> SendAsync(IReadOnlyList<KeyValuePair<string, string>> fields, CancellationToken cancellationToken = default);
}
