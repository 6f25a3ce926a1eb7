using System.Globalization;

namespace Http2Features;

/// <summary>
/// Learned early hints, at <c>Http2FeaturesOptions.EarlyHints.Automatic</c> (section <c>Http2Features:EarlyHints:Automatic</c>).
/// <c>app.UseAutomaticEarlyHints()</c> remembers the <c>preload</c>, <c>preconnect</c> and <c>modulepreload</c> links
/// of an endpoint's successful responses and sends them as a 103 on the next request for that endpoint, before it runs.
/// </summary>
public sealed class AutomaticEarlyHintsOptions
{
    /// <summary>The largest <see cref="MaxEntries"/> accepted.</summary>
    public const int MaxEntriesLimit = 1_000_000;

    /// <summary>The largest <see cref="MaxBytes"/> accepted (1 GiB).</summary>
    public const long MaxBytesLimit = 1L << 30;

    /// <summary>
    /// Learn and replay links. Default <see langword="false"/>: learned links are shared by every client of an endpoint,
    /// so turn it on for pages whose <c>Link</c> headers do not depend on who asks. Declared hints
    /// (<c>WithEarlyHints</c>, <see cref="EarlyHintAttribute"/>) do not need it.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>How many endpoints (keys) keep a learned set at most. Default 1000; range 1 .. 1,000,000.</summary>
    public int MaxEntries { get; set; } = 1000;

    /// <summary>
    /// Memory all learned sets may take, counted as 2 bytes per stored character plus <see cref="EntryOverheadBytes"/>
    /// per entry. Default 1 MiB; range 4 KiB .. 1 GiB. One entry never holds more than <c>EarlyHints:MaxTotalSize</c> of links.
    /// </summary>
    public long MaxBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Only requests that say they are a top-level navigation (<c>Sec-Fetch-Mode: navigate</c> or <c>Sec-Fetch-Dest: document</c>)
    /// are learned from and get learned hints: browsers use a 103 only there. Default <see langword="true"/>.
    /// </summary>
    public bool NavigationsOnly { get; set; } = true;

    /// <summary>
    /// Also learn from and replay to HTTP/1.1 requests (e.g. behind a proxy that forwards 103 to HTTP/2 clients).
    /// Default <see langword="false"/>: browsers ignore a 103 over HTTP/1.1. HTTP/1.0 never gets a 103.
    /// </summary>
    public bool AllowHttp11 { get; set; }

    /// <summary>
    /// Also learn links to other origins (<c>https://cdn.example.com/...</c>, <c>//host/...</c>), which
    /// <c>preconnect</c> links always are. Default <see langword="false"/>: only targets starting with a single <c>/</c> are learned.
    /// </summary>
    public bool AllowOtherOrigins { get; set; }

    /// <summary>
    /// Also learn from responses meant for one user: requests with an <c>Authorization</c> header, and responses with
    /// <c>Cache-Control: private</c> or <c>no-store</c>. Default <see langword="false"/>.
    /// </summary>
    public bool LearnFromPrivateResponses { get; set; }

    /// <summary>
    /// Route values that are part of the key, e.g. <c>culture</c> for <c>/{culture}/home</c> when each culture preloads
    /// other files. By default the key is the endpoint alone, so <c>/products/{id}</c> has one learned set for every id.
    /// </summary>
    public IList<string> KeyRouteValues { get; } = new List<string>();

    /// <summary>The fixed cost counted against <see cref="MaxBytes"/> for each entry (its objects and dictionary slot).</summary>
    public const int EntryOverheadBytes = 160;

    internal void Validate(List<string> failures)
    {
        if (MaxEntries is < 1 or > MaxEntriesLimit)
        {
            failures.Add($"Http2Features:EarlyHints:Automatic:MaxEntries must be between 1 and {MaxEntriesLimit.ToString("N0", CultureInfo.InvariantCulture)}; got {MaxEntries.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (MaxBytes is < 4096 or > MaxBytesLimit)
        {
            failures.Add($"Http2Features:EarlyHints:Automatic:MaxBytes must be between 4096 and {MaxBytesLimit.ToString(CultureInfo.InvariantCulture)} bytes; got {MaxBytes.ToString(CultureInfo.InvariantCulture)}.");
        }

        for (var i = 0; i < KeyRouteValues.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(KeyRouteValues[i]))
            {
                failures.Add($"Http2Features:EarlyHints:Automatic:KeyRouteValues:{i.ToString(CultureInfo.InvariantCulture)} is empty; name a route value such as 'culture'.");
            }
        }
    }
}
