using Http2Features.EarlyHints;

namespace Http2Features;

/// <summary>
/// Endpoint metadata: links sent as a 103 as soon as the endpoint is selected, before its handler runs, by
/// <c>app.UseAutomaticEarlyHints()</c>. Added by <c>.WithEarlyHints(...)</c> or <see cref="EarlyHintAttribute"/>;
/// every item on an endpoint counts (a controller's and its action's).
/// </summary>
public interface IEarlyHintsMetadata
{
    /// <summary>The links, in the order they are sent.</summary>
    IReadOnlyList<EarlyHintLink> Links { get; }
}

/// <summary>The metadata added by <c>.WithEarlyHints(...)</c>.</summary>
public sealed class EarlyHintsMetadata : IEarlyHintsMetadata
{
    /// <summary>Creates the metadata.</summary>
    /// <param name="links">The links, at least one.</param>
    /// <exception cref="ArgumentException"><paramref name="links"/> is empty or holds <see langword="null"/>.</exception>
    public EarlyHintsMetadata(IEnumerable<EarlyHintLink> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        var list = links.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("Declare at least one early hint link.", nameof(links));
        }

        if (Array.IndexOf(list, null) >= 0)
        {
            throw new ArgumentException("An early hint link is null.", nameof(links));
        }

        Links = list;
    }

    /// <inheritdoc />
    public IReadOnlyList<EarlyHintLink> Links { get; }
}

/// <summary>
/// Declares one early hint on a controller, an action, a Razor Page model or a minimal-API handler; the 103 goes out
/// when the endpoint is selected, before it runs (needs <c>app.UseAutomaticEarlyHints()</c>). Repeat it for more links:
/// <code>[EarlyHint("/site.css", EarlyHintRel.Preload, As = "style")]
/// [EarlyHint("/app.js", EarlyHintRel.ModulePreload)]</code>
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method | AttributeTargets.Delegate, AllowMultiple = true, Inherited = true)]
public sealed class EarlyHintAttribute : Attribute, IEarlyHintsMetadata
{
    private EarlyHintLink[]? _links;

    /// <summary>Declares a link to <paramref name="href"/> with relation <paramref name="rel"/>.</summary>
    /// <param name="href">The target (see <see cref="EarlyHintLink.Href"/>).</param>
    /// <param name="rel">The relation.</param>
    public EarlyHintAttribute(string href, EarlyHintRel rel)
    {
        Href = href;
        Rel = rel;
    }

    /// <summary>The target.</summary>
    public string Href { get; }

    /// <summary>The relation.</summary>
    public EarlyHintRel Rel { get; }

    /// <summary>The request destination (<c>as</c>), required by browsers for <see cref="EarlyHintRel.Preload"/>.</summary>
    public string? As { get; set; }

    /// <summary>The <c>crossorigin</c> parameter.</summary>
    public EarlyHintCrossOrigin CrossOrigin { get; set; }

    /// <summary>The MIME type hint (<c>type</c>).</summary>
    public string? Type { get; set; }

    /// <summary>The <c>fetchpriority</c> parameter.</summary>
    public EarlyHintFetchPriority FetchPriority { get; set; }

    /// <summary>Adds <c>nopush</c>.</summary>
    public bool NoPush { get; set; }

    /// <summary>The link this attribute declares (validated on first use: a bad target throws <see cref="ArgumentException"/>).</summary>
    public IReadOnlyList<EarlyHintLink> Links => _links ??=
    [
        new EarlyHintLink(Href, Rel) { As = As, CrossOrigin = CrossOrigin, Type = Type, FetchPriority = FetchPriority, NoPush = NoPush },
    ];
}

/// <summary>Endpoint metadata that keeps <c>app.UseAutomaticEarlyHints()</c> from learning or replaying links for the endpoint; declared hints still go out.</summary>
public interface IDisableLearnedEarlyHintsMetadata
{
}

/// <summary>
/// Turns learned early hints off for a controller, an action, a Razor Page or a minimal-API handler (pages whose links
/// depend on the user, for example). The metadata form is <c>.DisableLearnedEarlyHints()</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method | AttributeTargets.Delegate, AllowMultiple = false, Inherited = true)]
public sealed class DisableLearnedEarlyHintsAttribute : Attribute, IDisableLearnedEarlyHintsMetadata
{
}
