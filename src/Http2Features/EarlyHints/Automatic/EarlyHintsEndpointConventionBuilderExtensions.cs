using Http2Features;
using Http2Features.EarlyHints;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Declared early hints per endpoint: <c>app.MapGet("/", ...).WithEarlyHints(EarlyHintLink.Preload("/site.css", "style"))</c>.
/// These only add metadata; <c>app.UseAutomaticEarlyHints()</c> sends the 103 when the endpoint is selected, before it runs.
/// </summary>
public static class EarlyHintsEndpointConventionBuilderExtensions
{
    /// <summary>Sends <paramref name="links"/> in a 103 before the endpoint runs (one 103, merged with learned links).</summary>
    /// <typeparam name="TBuilder">The endpoint convention builder.</typeparam>
    /// <param name="builder">An endpoint, a group (<c>MapGroup</c>), controllers or Razor Pages.</param>
    /// <param name="links">The links, at least one.</param>
    /// <returns>The builder, for chaining.</returns>
    public static TBuilder WithEarlyHints<TBuilder>(this TBuilder builder, params EarlyHintLink[] links)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var metadata = new EarlyHintsMetadata(links);
        builder.Add(endpoint => endpoint.Metadata.Add(metadata));
        return builder;
    }

    /// <summary>Keeps <c>UseAutomaticEarlyHints()</c> from learning or replaying links for these endpoints (declared hints still go out).</summary>
    /// <typeparam name="TBuilder">The endpoint convention builder.</typeparam>
    /// <param name="builder">An endpoint, a group, controllers or Razor Pages.</param>
    /// <returns>The builder, for chaining.</returns>
    public static TBuilder DisableLearnedEarlyHints<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(DisableLearned.Instance));
        return builder;
    }

    private sealed class DisableLearned : IDisableLearnedEarlyHintsMetadata
    {
        public static readonly DisableLearned Instance = new();
    }
}
