using System.Runtime.CompilerServices;
using Http2Features.Connection;
using Http2Features.EarlyHints.Automatic;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Http2Features.EarlyHints;

/// <summary>
/// The default <see cref="IHttpEarlyHintsFeature"/>: validates, checks the protocol, hands the 103 to the connection seam.
/// It also remembers, for <c>UseAutomaticEarlyHints()</c>, which links the automatic 103 carried (so a later call sends only
/// new ones) and which links the app asked for (they are learned like the final response's <c>Link</c> header).
/// </summary>
internal sealed class EarlyHintsFeature : IHttpEarlyHintsFeature
{
    private readonly HttpContext _context;
    private readonly EarlyHintsService _service;

    public EarlyHintsFeature(HttpContext context, EarlyHintsService service)
    {
        _context = context;
        _service = service;
    }

    /// <summary>Identities (<see cref="LinkValue.Identity"/>) of the links this response's automatic 103 carried, once it was sent.</summary>
    internal HashSet<string>? AutomaticIdentities { get; private set; }

    /// <summary>Every <c>link</c> field value the app passed to <see cref="SendAsync(IReadOnlyList{KeyValuePair{string, string}}, CancellationToken)"/>, in order (sent or not).</summary>
    internal List<string>? RequestedLinks { get; private set; }

    public ValueTask<EarlyHintsResult> SendAsync(IReadOnlyList<KeyValuePair<string, string>> fields, CancellationToken cancellationToken = default) =>
        SendAsync(fields, ownsFields: false, cancellationToken);

    /// <param name="fields">The fields.</param>
    /// <param name="ownsFields">The caller made <paramref name="fields"/> for this call and never touches it again: no copy is needed for the queue.</param>
    /// <param name="cancellationToken">Cancels waiting for a safe point.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<EarlyHintsResult> SendAsync(IReadOnlyList<KeyValuePair<string, string>> fields, bool ownsFields, CancellationToken cancellationToken)
    {
        var options = _service.Options;
        EarlyHintsFieldValidator.Validate(fields, options.MaxTotalSize, nameof(fields));

        var response = _context.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException(
                "103 Early Hints must be sent before the response starts, but this response has already started (its status line/HEADERS were sent). " +
                "Call SendEarlyHintsAsync before writing the body, flushing, or calling Response.StartAsync.");
        }

        // Only learned hints read them: without learning, no list per hinted request.
        if (options.Automatic.Enabled)
        {
            var recorded = false;
            foreach (var (name, value) in fields)
            {
                if (string.Equals(name, "link", StringComparison.OrdinalIgnoreCase))
                {
                    (RequestedLinks ??= []).Add(value);
                    recorded = true;
                }
            }

            if (recorded)
            {
                _service.OnLinksRecorded();
            }
        }

        if (AutomaticIdentities is { } alreadySent)
        {
            // Browsers act on the first 103 only: it went out before the handler ran. Send only what it lacked.
            var kept = WithoutLinksIn(fields, alreadySent);
            ownsFields |= !ReferenceEquals(kept, fields);
            fields = kept;
            if (fields.Count == 0)
            {
                AutomaticEarlyHintsLog.AlreadySent(_service.Logger);
                return new EarlyHintsResult(EarlyHintsStatus.Sent);
            }
        }

        var protocol = _context.Request.Protocol;
        var result = await SendCoreAsync(fields, ownsFields, options, protocol, cancellationToken);
        if (result.IsSent && options.KeepLinkOnFinalResponse && !response.HasStarted)
        {
            foreach (var (name, value) in fields)
            {
                if (string.Equals(name, "link", StringComparison.OrdinalIgnoreCase))
                {
                    response.Headers.Append("Link", value);
                }
            }
        }

        _service.Record(result, protocol, fields.Count, _context.Connection.Id);
        return result;
    }

    /// <summary>
    /// Sends the 103 of <c>UseAutomaticEarlyHints()</c> (declared and learned links, already validated and free of
    /// duplicates). Unlike an app call it never copies links to the final response: that would feed learning its own output.
    /// </summary>
    internal async ValueTask<EarlyHintsResult> SendAutomaticAsync(IReadOnlyList<KeyValuePair<string, string>> fields, HashSet<string> identities)
    {
        var options = _service.Options;
        EarlyHintsFieldValidator.Validate(fields, options.MaxTotalSize, nameof(fields));
        var protocol = _context.Request.Protocol;
        var result = await SendCoreAsync(fields, ownsFields: false, options, protocol, CancellationToken.None);
        if (result.IsSent)
        {
            AutomaticIdentities = identities;
        }

        _service.Record(result, protocol, fields.Count, _context.Connection.Id);
        return result;
    }

    private static IReadOnlyList<KeyValuePair<string, string>> WithoutLinksIn(IReadOnlyList<KeyValuePair<string, string>> fields, HashSet<string> sent)
    {
        List<KeyValuePair<string, string>>? kept = null;
        var links = new List<LinkValue>();
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var duplicate = false;
            if (string.Equals(field.Key, "link", StringComparison.OrdinalIgnoreCase))
            {
                links.Clear();
                LinkValueParser.Parse(field.Value, links);
                duplicate = links.Count > 0 && links.TrueForAll(link => sent.Contains(link.Identity));
            }

            if (duplicate && kept is null)
            {
                kept = new List<KeyValuePair<string, string>>(fields.Count);
                for (var j = 0; j < i; j++)
                {
                    kept.Add(fields[j]);
                }
            }
            else if (!duplicate)
            {
                kept?.Add(field);
            }
        }

        return kept ?? fields;
    }

    private ValueTask<EarlyHintsResult> SendCoreAsync(IReadOnlyList<KeyValuePair<string, string>> fields, bool ownsFields, EarlyHintsOptions options, string protocol, CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.Disabled));
        }

        if (HttpProtocol.IsHttp10(protocol) || HttpProtocol.IsHttp09(protocol))
        {
            // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client; gunicorn does the same.
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.Http10Client));
        }

        var streamId = 0;
        if (HttpProtocol.IsHttp2(protocol))
        {
            streamId = _context.Features.Get<IHttp2StreamIdFeature>()?.StreamId ?? 0;
            if (streamId <= 0)
            {
                return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.UnsupportedProtocol));
            }
        }
        else if (!HttpProtocol.IsHttp11(protocol))
        {
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.UnsupportedProtocol));
        }

        if (_context.RequestAborted.IsCancellationRequested)
        {
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.RequestAborted));
        }

        var seam = _context.Features.Get<IConnectionSeam>();
        if (seam is null)
        {
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.NoConnectionSeam));
        }

        var responseFeature = _context.Features.GetRequiredFeature<IHttpResponseFeature>();
        var written = seam.InformationalResponses.WriteAsync(
            new InformationalResponse(streamId, ownsFields && fields is KeyValuePair<string, string>[] owned ? owned : [.. fields], responseFeature, options.WriteTimeout, _context.RequestAborted),
            cancellationToken);
        return written.IsCompletedSuccessfully ? ValueTask.FromResult(ToResult(written.Result)) : AwaitAsync(written);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        static async ValueTask<EarlyHintsResult> AwaitAsync(ValueTask<InformationalResponseResult> pending) => ToResult(await pending);
    }

    private static EarlyHintsResult ToResult(InformationalResponseResult result) => result.Status switch
    {
        InformationalResponseStatus.Written => new EarlyHintsResult(EarlyHintsStatus.Sent),
        InformationalResponseStatus.NoSeam => new EarlyHintsResult(EarlyHintsStatus.NoConnectionSeam),
        InformationalResponseStatus.ResponseStarted => new EarlyHintsResult(EarlyHintsStatus.ResponseStarted),
        InformationalResponseStatus.StreamReset => new EarlyHintsResult(EarlyHintsStatus.RequestAborted),
        InformationalResponseStatus.Timeout => new EarlyHintsResult(EarlyHintsStatus.Timeout),
        InformationalResponseStatus.HeaderTableSizeChangePending => new EarlyHintsResult(EarlyHintsStatus.HeaderTableSizeChangePending),
        _ => new EarlyHintsResult(EarlyHintsStatus.ConnectionClosed),
    };
}
