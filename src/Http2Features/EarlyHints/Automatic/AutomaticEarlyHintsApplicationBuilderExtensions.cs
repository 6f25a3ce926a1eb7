using Http2Features.EarlyHints;
using Http2Features.EarlyHints.Automatic;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the middleware that sends declared and learned early hints.</summary>
public static class AutomaticEarlyHintsApplicationBuilderExtensions
{
    internal const string MiddlewareAddedKey = "Http2Features.AutomaticEarlyHints";

    /// <summary>
    /// Sends ONE 103 as soon as routing has selected an endpoint and before it runs: the endpoint's declared links
    /// (<c>.WithEarlyHints(...)</c>, <c>[EarlyHint]</c>) and, with <c>Http2Features:EarlyHints:Automatic:Enabled</c>, the
    /// <c>preload</c>/<c>preconnect</c>/<c>modulepreload</c> links learned from the endpoint's earlier responses.
    /// Place it after <c>UseRouting()</c>; with minimal hosting anywhere before the endpoints. Requires <c>AddHttp2Features()</c>.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IApplicationBuilder UseAutomaticEarlyHints(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService(typeof(LearnedHintsStore)) is null)
        {
            throw new InvalidOperationException("UseAutomaticEarlyHints() needs the Http2Features services: call builder.Services.AddHttp2Features().");
        }

        app.Properties[MiddlewareAddedKey] = true;
        return app.UseMiddleware<AutomaticEarlyHintsMiddleware>();
    }
}
