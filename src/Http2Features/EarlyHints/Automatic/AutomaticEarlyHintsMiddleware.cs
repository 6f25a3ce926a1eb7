using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Http2Features.EarlyHints.Automatic;

/// <summary>
/// <c>app.UseAutomaticEarlyHints()</c>: once routing has selected the endpoint and before it runs, sends ONE 103 with
/// the endpoint's declared links (<see cref="IEarlyHintsMetadata"/>) and the links learned from its earlier responses;
/// after it ran, learns the <c>preload</c>/<c>preconnect</c>/<c>modulepreload</c> links of its response.
/// </summary>
/// <remarks>
/// Merging with the app's own hints: the automatic 103 goes first, because only the first 103 counts in browsers
/// and the handler's slow work is what it should overlap. A later <c>SendEarlyHintsAsync</c> in the handler sends only
/// the links the automatic 103 lacked (nothing at all when it lacked none), and the links it asked for are learned,
/// so from the next request on they are in the first 103 too. (Links a middleware before this one sent are not: its
/// 103 went out first anyway.)
/// </remarks>
internal sealed class AutomaticEarlyHintsMiddleware
{
    private readonly RequestDelegate _next;
    private readonly EarlyHintsService _service;
    private readonly LearnedHintsStore _store;
    private readonly AutomaticEarlyHintsMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<Endpoint, HintSet> _declared = new();

    public AutomaticEarlyHintsMiddleware(RequestDelegate next, EarlyHintsService service, LearnedHintsStore store, AutomaticEarlyHintsMetrics metrics, ILoggerFactory loggerFactory)
    {
        _next = next;
        _service = service;
        _store = store;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger("Http2Features.EarlyHints.Automatic");
    }

    public Task InvokeAsync(HttpContext context)
    {
        var options = _service.Options;
        var endpoint = context.GetEndpoint();
        if (!options.Enabled || endpoint is null)
        {
            return _next(context);
        }

        var metadata = endpoint.Metadata;
        var declared = metadata.GetOrderedMetadata<IEarlyHintsMetadata>();
        var automatic = options.Automatic;
        var learnable = automatic.Enabled && metadata.GetMetadata<IDisableLearnedEarlyHintsMetadata>() is null;
        if (declared.Count == 0 && !learnable)
        {
            return _next(context);
        }

        var key = default(HintKey);
        HintSet? learned = null;
        if (learnable)
        {
            key = new HintKey(endpoint, KeyValuesOf(context, automatic.KeyRouteValues));
            learned = _store.TryGet(key);
        }

        if (declared.Count == 0 && learned is null)
        {
            // The miss path: nothing to send. Whether this request may learn (method, protocol, navigation headers)
            // only matters once its response turns out to have links, so it is decided then, not on every request.
            // The lookup metric still counts only requests that may learn, when someone listens to it.
            bool? eligible = _metrics.LookupsEnabled ? IsEligible(context.Request, automatic) : null;
            if (eligible == true)
            {
                _metrics.Lookup(hit: false);
            }

            var recordedBefore = _service.LinksRecorded;
            var task = _next(context);
            if (task.IsCompletedSuccessfully)
            {
                Learn(context, key, existing: null, options, recordedBefore, eligible);
                return task;
            }

            return LearnAfterAsync(task, context, key, options, recordedBefore, eligible);
        }

        var learn = learnable && IsEligible(context.Request, automatic);
        if (learn)
        {
            _metrics.Lookup(learned is not null);
        }
        else
        {
            // Not a request that learned hints are for: only what the endpoint declares.
            learned = null;
            if (declared.Count == 0)
            {
                return _next(context);
            }
        }

        return SendThenRunAsync(context, endpoint, declared, learned, learn, key, options);
    }

    private async Task LearnAfterAsync(Task task, HttpContext context, HintKey key, EarlyHintsOptions options, long recordedBefore, bool? eligible)
    {
        await task;
        Learn(context, key, existing: null, options, recordedBefore, eligible);
    }

    private async Task SendThenRunAsync(HttpContext context, Endpoint endpoint, IReadOnlyList<IEarlyHintsMetadata> declared, HintSet? learned, bool learn, HintKey key, EarlyHintsOptions options)
    {
        var declaredSet = declared.Count == 0 ? HintSet.Empty : _declared.GetValue(endpoint, _ => DeclaredSet(declared));
        var fields = new List<KeyValuePair<string, string>>(declaredSet.Count + (learned?.Count ?? 0));
        var identities = new HashSet<string>(StringComparer.Ordinal);
        var size = 0;
        Add(declaredSet, options.MaxTotalSize);
        if (learned is not null)
        {
            // Declared links come first; learned ones fill what is left of EarlyHints:MaxTotalSize.
            Add(learned, options.MaxTotalSize);
        }

        if (fields.Count > 0 && !context.Response.HasStarted)
        {
            var feature = HttpResponseEarlyHintsExtensions.GetFeature(context);
            if (feature is EarlyHintsFeature ours)
            {
                await ours.SendAutomaticAsync(fields, identities);
            }
            else
            {
                await feature.SendAsync(fields);
            }
        }

        var recordedBefore = _service.LinksRecorded;
        await _next(context);
        if (learn)
        {
            Learn(context, key, learned, options, recordedBefore, eligible: true);
        }

        void Add(HintSet set, int limit)
        {
            for (var i = 0; i < set.Count; i++)
            {
                var lineSize = EarlyHintsFieldValidator.FieldLineSize("link", set.Values[i]);
                if (size + lineSize > limit)
                {
                    break;
                }

                if (identities.Add(set.Identities[i]))
                {
                    size += lineSize;
                    fields.Add(new("link", set.Values[i]));
                }
            }
        }
    }

    /// <param name="context">The request, after the app ran.</param>
    /// <param name="key">What the request's hints are learned under.</param>
    /// <param name="existing">What was learned for it before (null: nothing).</param>
    /// <param name="options">The options the request started with.</param>
    /// <param name="recordedBefore"><see cref="EarlyHintsService.LinksRecorded"/> before the app ran.</param>
    /// <param name="eligible">Whether the request may learn; null: not decided yet (the miss path decides only when there are links).</param>
    private void Learn(HttpContext context, in HintKey key, HintSet? existing, EarlyHintsOptions options, long recordedBefore, bool? eligible)
    {
        var response = context.Response;
        if (response.StatusCode is < 200 or > 299)
        {
            // An error page says nothing about the page's links: keep what was learned.
            return;
        }

        var finalLinks = response.Headers.Link;

        // The links the app sent itself while it ran. The feature lookup usually finds nothing, and then walks Kestrel's
        // request and connection features (a third of the miss path's cost in a profile), so it is made only when some
        // request recorded links since this one's app started: never, in an app that leaves hints to this middleware.
        var requested = _service.LinksRecorded == recordedBefore
            ? null
            : (context.Features.Get<IHttpEarlyHintsFeature>() as EarlyHintsFeature)?.RequestedLinks;
        if (finalLinks.Count == 0 && requested is null && existing is null)
        {
            return;   // nothing learned, nothing to learn: the common case costs one header lookup
        }

        var automatic = options.Automatic;
        if (!(eligible ?? IsEligible(context.Request, automatic)))
        {
            return;
        }

        if (!automatic.LearnFromPrivateResponses && IsPrivate(context))
        {
            return;
        }

        var links = new List<LinkValue>();
        if (requested is not null)
        {
            foreach (var value in requested)
            {
                LinkValueParser.Parse(value, links);
            }
        }

        foreach (var value in finalLinks)
        {
            LinkValueParser.Parse(value, links);
        }

        // A loop, not RemoveAll(lambda): a closure over `automatic` would be allocated on every call, miss path included.
        var kept = 0;
        for (var i = 0; i < links.Count; i++)
        {
            if (IsLearnable(links[i], automatic))
            {
                links[kept++] = links[i];
            }
        }

        links.RemoveRange(kept, links.Count - kept);
        var set = HintSet.Create(links, options.MaxTotalSize);
        var outcome = _store.Learn(key, set, automatic.MaxEntries, automatic.MaxBytes, out var evicted, out var bytesDelta);
        if (outcome == LearnOutcome.Unchanged && evicted == 0)
        {
            return;
        }

        _metrics.Learned(outcome, evicted, bytesDelta);
        if (outcome == LearnOutcome.TooLarge)
        {
            var cost = LearnedHintsStore.Cost(key, set);
            AutomaticEarlyHintsLog.TooLarge(_logger, key, cost);
        }
        else if (outcome != LearnOutcome.Unchanged)
        {
            var change = outcome switch
            {
                LearnOutcome.Added => "learned",
                LearnOutcome.Replaced => "changed",
                _ => "removed (the response has no such links any more)",
            };
            AutomaticEarlyHintsLog.LearnedChanged(_logger, key, change, set.Count, set);
        }
    }

    internal static bool IsEligible(HttpRequest request, AutomaticEarlyHintsOptions options)
    {
        if (!HttpMethods.IsGet(request.Method))
        {
            return false;
        }

        var protocol = request.Protocol;
        if (!(HttpProtocol.IsHttp2(protocol) || HttpProtocol.IsHttp3(protocol) || (options.AllowHttp11 && HttpProtocol.IsHttp11(protocol))))
        {
            return false;   // never HTTP/1.0
        }

        if (!options.NavigationsOnly)
        {
            return true;
        }

        var headers = request.Headers;
        return Is(headers["Sec-Fetch-Mode"], "navigate") || Is(headers["Sec-Fetch-Dest"], "document");

        static bool Is(StringValues values, string expected) =>
            values.Count == 1 && string.Equals(values[0], expected, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLearnable(in LinkValue link, AutomaticEarlyHintsOptions options)
    {
        if ((link.Relations & HintRelations.Learnable) == 0 || !IsReplayableValue(link.Text))
        {
            return false;
        }

        // "style.css" or "../x" would resolve against another path on the next request: never learned.
        return link.IsPathAbsolute || (options.AllowOtherOrigins && link.IsOtherOrigin);
    }

    // The same rules EarlyHintsFieldValidator applies to a 103 value: visible ASCII, space and tab.
    private static bool IsReplayableValue(string value)
    {
        foreach (var c in value)
        {
            if ((c < 0x20 && c != '\t') || c >= 0x7F)
            {
                return false;
            }
        }

        return value.Length > 0;
    }

    private static bool IsPrivate(HttpContext context)
    {
        if (context.Request.Headers.ContainsKey("Authorization"))
        {
            return true;
        }

        foreach (var value in context.Response.Headers.CacheControl)
        {
            if (value is not null && (Contains(value, "private") || Contains(value, "no-store")))
            {
                return true;
            }
        }

        return false;

        static bool Contains(string value, string directive)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                var item = value.AsSpan()[range].Trim();
                var eq = item.IndexOf('=');
                if ((eq < 0 ? item : item[..eq].TrimEnd()).Equals(directive, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static string? KeyValuesOf(HttpContext context, IList<string> names)
    {
        if (names.Count == 0)
        {
            return null;   // the default: one entry per endpoint, and no route values read
        }

        var values = context.Request.RouteValues;
        var builder = new System.Text.StringBuilder();
        for (var i = 0; i < names.Count; i++)
        {
            if (i > 0)
            {
                builder.Append('\u001f');
            }

            if (values.TryGetValue(names[i], out var value))
            {
                builder.Append(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static HintSet DeclaredSet(IReadOnlyList<IEarlyHintsMetadata> declared)
    {
        var links = new List<LinkValue>();
        foreach (var item in declared)
        {
            foreach (var link in item.Links)
            {
                if (LinkValueParser.ParseSingle(link.ToString()) is { } value)
                {
                    links.Add(value);
                }
            }
        }

        // Declared links are the app's explicit choice: any relation, any origin; EarlyHints:MaxTotalSize still applies.
        return HintSet.Create(links, int.MaxValue);
    }
}
