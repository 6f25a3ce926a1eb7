namespace Http2Features;

/// <summary>
/// Options for the Http2Features pack. Bound and validated at start-up by
/// <see cref="Microsoft.Extensions.DependencyInjection.Http2FeaturesServiceCollectionExtensions.AddHttp2Features(Microsoft.Extensions.DependencyInjection.IServiceCollection)"/>.
/// </summary>
public sealed class Http2FeaturesOptions
{
    /// <summary>The configuration section name the options bind from by default (<c>Http2Features</c>).</summary>
    public const string SectionName = "Http2Features";

    /// <summary>103 Early Hints options (section <c>Http2Features:EarlyHints</c>).</summary>
    public EarlyHintsOptions EarlyHints { get; } = new();
    /// <summary>Response trailers: the undeclared-trailer policy and related settings (section <c>Http2Features:Trailers</c>).</summary>
    public TrailersOptions Trailers { get; } = new();

    /// <summary>What the server does with stream priority: response scheduling and admission by urgency (section <c>Http2Features:Priority</c>).</summary>
    public PriorityOptions Priority { get; } = new();
}
