using Http2Features.Connection;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Http2Features.Trailers;

/// <summary>
/// The per-request <see cref="IHttpResponseTrailersSenderFeature"/>: on HTTP/2 and HTTP/3 on top of Kestrel's <see cref="IHttpResponseTrailersFeature"/>;
/// on HTTP/1.1 through the connection seam, which writes the trailers into the last chunk of a chunked response.
/// </summary>
internal sealed class ResponseTrailersFeature : IHttpResponseTrailersSenderFeature
{
    private readonly HttpContext _context;
    private readonly TrailersServices _services;
    private readonly Http1ResponseTrailers? _http1;
    private readonly bool _isHttp10;
    private readonly bool _http11StartedBeforeUse;
    private List<string>? _declared;
    private List<Action<IHttpResponseTrailersSenderFeature>>? _callbacks;
    private bool _callbacksRan;
    private bool _completed;

    // The server's trailers feature, looked up again only when Features changed (a lookup on Kestrel's collection costs
    // more than the rest of a check, and the producers check several times per response).
    private IHttpResponseTrailersFeature? _serverTrailers;
    private int _serverTrailersRevision = -1;

    public ResponseTrailersFeature(HttpContext context, TrailersServices services)
    {
        _context = context;
        _services = services;
        var protocol = context.Request.Protocol;
        IsHttp2OrLater = HttpProtocol.IsHttp2(protocol) || HttpProtocol.IsHttp3(protocol);
        _isHttp10 = HttpProtocol.IsHttp10(protocol);
        if (HttpProtocol.IsHttp11(protocol) && !context.Response.HasStarted && !HttpMethods.IsHead(context.Request.Method))
        {
            // Claimed now, before the response head is written, so the seam follows this response's framing.
            _http1 = context.Features.Get<IConnectionSeam>()?.Http1Trailers.BeginResponse();
        }

        _http11StartedBeforeUse = HttpProtocol.IsHttp11(protocol) && context.Response.HasStarted;
    }

    public bool IsSupported => UnsupportedReason == TrailersUnsupportedReason.None;

    public TrailersUnsupportedReason UnsupportedReason
    {
        get
        {
            if (_http1 is null)
            {
                return ServerTrailers?.Trailers is not null ? TrailersUnsupportedReason.None
                    : IsHttp2OrLater ? TrailersUnsupportedReason.ServerWithoutTrailers
                    : _isHttp10 ? TrailersUnsupportedReason.Http10
                    : HttpMethods.IsHead(_context.Request.Method) ? TrailersUnsupportedReason.NoResponseBody
                    : _http11StartedBeforeUse ? TrailersUnsupportedReason.UsedAfterResponseStarted
                    : HttpProtocol.IsHttp11(_context.Request.Protocol) ? TrailersUnsupportedReason.NoConnectionSeam
                    : TrailersUnsupportedReason.ServerWithoutTrailers;
            }

            switch (_http1.Framing)
            {
                case Http1TrailerFraming.Written:
                case Http1TrailerFraming.Chunked:
                    return TrailersUnsupportedReason.None;
                case Http1TrailerFraming.FramingMismatch:
                    return TrailersUnsupportedReason.FramingMismatch;
                case Http1TrailerFraming.NotChunked:
                    return NotChunkedReason();
            }

            // Pending (or abandoned): judge from the headers, as Kestrel will (chunked unless Content-Length or no body).
            var response = _context.Response;
            if (response.HasStarted)
            {
                return IsChunked(response.Headers.TransferEncoding) ? TrailersUnsupportedReason.None : NotChunkedReason();
            }

            return response.ContentLength is not null || !CanHaveBody(response.StatusCode) ? NotChunkedReason() : TrailersUnsupportedReason.None;
        }
    }

    /// <summary>True on HTTP/1.1 while the response has not started: completing it now would make Kestrel send Content-Length: 0.</summary>
    internal bool NeedsStartForTrailers => _http1 is not null && !_context.Response.HasStarted && IsSupported;

    public IReadOnlyCollection<string> AnnouncedTrailers => (IReadOnlyCollection<string>?)_declared ?? [];

    /// <summary>The ready-made producers of this request (checksum, server-timing, gRPC status), when any run.</summary>
    internal TrailerProducerState? Producer { get; set; }

    public bool IsSent { get; private set; }

    internal bool IsHttp2OrLater { get; }

    internal TrailersServices Services => _services;

    public void AnnounceTrailers(params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            TrailerFieldValidator.ValidateName(name, IsHttp2OrLater);
        }

        Announce(names, lowerCase: false);
    }

    // lowerCase: the names are already lower-case tokens (the producers' own), so neither validated nor lowered.
    private void Announce(ReadOnlySpan<string> names, bool lowerCase)
    {
        var response = _context.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException(
                $"Trailers must be declared before the response starts; the headers were already sent when '{string.Join(", ", names.ToArray())}' was declared. Call AnnounceTrailers before writing the body.");
        }

        var added = false;
        var declared = _declared ??= [];
        foreach (var name in names)
        {
            var lower = lowerCase ? name : name.ToLowerInvariant();
            if (!declared.Contains(lower))   // List<string>.Contains: ordinal, and no enumerator allocated
            {
                declared.Add(lower);
                added = true;
            }
        }

        if (!added || !IsSupported)
        {
            return;
        }

        if (StringValues.IsNullOrEmpty(response.Headers[HeaderNames.Trailer]))
        {
            response.Headers[HeaderNames.Trailer] = declared.Count == 1 ? declared[0] : string.Join(", ", declared);
        }
        else
        {
            // One merged "Trailer: a, b" value: keeps names declared elsewhere (Kestrel's DeclareTrailer) and ours once each.
            var merged = new List<string>();
            foreach (var part in TrailerHeaderNames(response.Headers[HeaderNames.Trailer]))
            {
                if (!merged.Contains(part, StringComparer.OrdinalIgnoreCase))
                {
                    merged.Add(part);
                }
            }

            foreach (var name in declared)
            {
                if (!merged.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    merged.Add(name);
                }
            }

            response.Headers[HeaderNames.Trailer] = string.Join(", ", merged);
        }
    }

    public TrailersResult Append(IEnumerable<KeyValuePair<string, StringValues>> trailers)
    {
        ArgumentNullException.ThrowIfNull(trailers);
        var list = Validate(trailers, applyPolicy: true);
        var status = CheckCanAdd();
        if (status == TrailersStatus.Sent && !AddToServer(list))
        {
            status = TrailersStatus.ResponseCompleted;
        }

        return Report(status);
    }

    public ValueTask<TrailersResult> SendAsync(IEnumerable<KeyValuePair<string, StringValues>>? trailers = null) =>
        SendCoreAsync(trailers, applyPolicy: true);

    internal async ValueTask<TrailersResult> SendCoreAsync(IEnumerable<KeyValuePair<string, StringValues>>? trailers, bool applyPolicy)
    {
        var list = trailers is null ? [] : Validate(trailers, applyPolicy);

        // On HTTP/1.x every call reports NotSupported; otherwise a second call reports AlreadySent.
        var status = IsSent && IsSupported ? TrailersStatus.AlreadySent : CheckCanAdd();
        if (status is TrailersStatus.ClientAborted or TrailersStatus.ResponseCompleted or TrailersStatus.AlreadySent)
        {
            return Report(status);
        }

        if (status == TrailersStatus.Sent)
        {
            RunSendingCallbacks();
            if (!AddToServer(list))
            {
                return Report(TrailersStatus.ResponseCompleted);
            }
        }
        else if (IsSent)
        {
            return Report(status); // not supported, and the response was already completed by the first call
        }

        IsSent = true;
        try
        {
            if (status == TrailersStatus.Sent && NeedsStartForTrailers)
            {
                // HTTP/1.1 without a body yet: Kestrel would answer Content-Length: 0; started now, it chunks.
                await _context.Response.StartAsync(_context.RequestAborted);
            }

            // Completing flushes the body and makes the server write the trailers (HTTP/2: with END_STREAM; HTTP/1.1: in
            // the last chunk).
            var body = _context.Features.Get<IHttpResponseBodyFeature>();
            if (body is not null)
            {
                await body.CompleteAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            TrailersLog.CompleteFailed(_services.Logger, ex);
            return Report(TrailersStatus.ClientAborted, ex);
        }

        return Report(status);
    }

    /// <summary>
    /// Registers a producer callback that runs once, just before the trailers go out: on <see cref="SendAsync"/>, on
    /// <c>HttpResponse.CompleteAsync</c> (seen by the producers' body wrapper) or when the producer's handler returns.
    /// </summary>
    internal void OnSending(Action<IHttpResponseTrailersSenderFeature> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        (_callbacks ??= []).Add(callback);
    }

    /// <summary>Runs the <see cref="OnSending"/> callbacks once. Producers call this when their handler returns.</summary>
    internal void RunSendingCallbacks()
    {
        if (_callbacksRan || (_callbacks is null && Producer is null))
        {
            return;
        }

        _callbacksRan = true;
        if (CheckCanAdd() != TrailersStatus.Sent)
        {
            return;
        }

        Producer?.Produce(this);
        if (_callbacks is not null)
        {
            foreach (var callback in _callbacks)
            {
                callback(this);
            }
        }
    }

    /// <summary>Adds a trailer made by a ready-made producer: valid by construction and exempt from the undeclared policy.</summary>
    internal void AddProduced(string name, string value)
    {
        if (CheckCanAdd() != TrailersStatus.Sent)
        {
            TrailersLog.ProducerTrailersDropped(_services.Logger, name);
            return;
        }

        AddProducedChecked(name, value);
    }

    /// <summary><see cref="AddProduced"/> right after <see cref="CheckCanAdd"/> said <see cref="TrailersStatus.Sent"/>.</summary>
    internal void AddProducedChecked(string name, string value)
    {
        if (!AddOne(name, value))
        {
            TrailersLog.ProducerTrailersDropped(_services.Logger, name);
        }
    }

    /// <summary>Declares the producers' own names (lower-case tokens by construction).</summary>
    internal void DeclareProduced(params ReadOnlySpan<string> names)
    {
        if (!_context.Response.HasStarted)
        {
            Announce(names, lowerCase: true);
        }
    }

    internal TrailersStatus CheckCanAdd()
    {
        if (!IsSupported)
        {
            return TrailersStatus.NotSupported;
        }

        if (_context.RequestAborted.IsCancellationRequested)
        {
            return TrailersStatus.ClientAborted;
        }

        var completed = _http1 is not null
            ? _http1.Framing is Http1TrailerFraming.Written or Http1TrailerFraming.Abandoned
            : ServerTrailers!.Trailers.IsReadOnly || HasServerCompletedResponse();
        if (_completed || completed)
        {
            return IsSent ? TrailersStatus.AlreadySent : TrailersStatus.ResponseCompleted;
        }

        return TrailersStatus.Sent;
    }

    // One field to the server. Set through the indexer: IHeaderDictionary.Append drops an empty value, which RFC 9110 allows.
    private bool AddOne(string name, string value)
    {
        if (_http1 is not null)
        {
            return _http1.TryAdd(name, value);
        }

        var trailers = ServerTrailers!.Trailers;
        trailers[name] = StringValues.Concat(trailers[name], value);
        return true;
    }

    /// <summary>Called by the producers' body wrapper when the application completes the response itself.</summary>
    internal void MarkCompleted() => _completed = true;

    // Kestrel marks its trailer collection read-only only once its output loop has written them, some time after
    // CompleteAsync, and still sends what is appended in between (a race with its HPACK encoding). Its body writer,
    // though, refuses GetMemory as soon as the response is completed: that is the reliable signal (pinned by a test).
    private bool HasServerCompletedResponse()
    {
        if (!_context.Response.HasStarted)
        {
            return false;
        }

        try
        {
            // The server's own writer: the producers' wrapper would allocate its writer just for this check.
            var body = _context.Features.Get<IHttpResponseBodyFeature>();
            (body is TrailerProducingResponseBody wrapper ? wrapper.Inner : body)?.Writer.GetMemory(1);
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            return true;
        }
    }

    internal TrailersResult Report(TrailersStatus status, Exception? error = null)
    {
        _services.Metrics?.Record(status);
        if (status != TrailersStatus.Sent)
        {
            TrailersLog.TrailersNotSent(_services.Logger, _context.Request.Protocol, status);
        }

        return new TrailersResult(status, error)
        {
            UnsupportedReason = status == TrailersStatus.NotSupported ? UnsupportedReason : TrailersUnsupportedReason.None,
        };
    }

    private List<KeyValuePair<string, StringValues>> Validate(IEnumerable<KeyValuePair<string, StringValues>> trailers, bool applyPolicy)
    {
        var list = new List<KeyValuePair<string, StringValues>>(trailers);
        foreach (var (name, value) in list)
        {
            TrailerFieldValidator.Validate(name, value, IsHttp2OrLater);
        }

        if (applyPolicy)
        {
            var policy = _services.Options.UndeclaredTrailerPolicy;
            if (policy != UndeclaredTrailerPolicy.Allow)
            {
                foreach (var (name, _) in list)
                {
                    if (!IsDeclared(name))
                    {
                        if (policy == UndeclaredTrailerPolicy.Throw)
                        {
                            throw new TrailerValidationException(name, TrailerRule.Undeclared,
                                $"Trailer '{name}' was not declared: declare it with response.AnnounceTrailers(\"{name}\") before the response starts (UndeclaredTrailerPolicy is Throw; RFC 9110 §6.6.2).");
                        }

                        TrailersLog.UndeclaredTrailer(_services.Logger, name);
                    }
                }
            }
        }

        return list;
    }

    private bool IsDeclared(string name)
    {
        if (_declared is not null && _declared.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var part in TrailerHeaderNames(_context.Response.Headers[HeaderNames.Trailer]))
        {
            if (string.Equals(part, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The field names a <c>Trailer</c> header lists, over all its values ("a, b" and repeated headers alike).</summary>
    private static IEnumerable<string> TrailerHeaderNames(StringValues values)
    {
        foreach (var value in values)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return part;
            }
        }
    }

    private bool AddToServer(List<KeyValuePair<string, StringValues>> list)
    {
        foreach (var (name, values) in list)
        {
            foreach (var value in values)
            {
                if (!AddOne(name, value!))
                {
                    return false; // HTTP/1.1: the last chunk went out meanwhile
                }
            }
        }

        return true;
    }

    internal bool HasTrailer(string name) =>
        _http1 is not null
            ? _http1.Contains(name)
            : ServerTrailers?.Trailers is { } trailers && trailers.ContainsKey(name);

    private IHttpResponseTrailersFeature? ServerTrailers
    {
        get
        {
            var features = _context.Features;
            var revision = features.Revision;
            if (revision != _serverTrailersRevision)
            {
                _serverTrailers = features.Get<IHttpResponseTrailersFeature>();
                _serverTrailersRevision = revision;
            }

            return _serverTrailers;
        }
    }

    private TrailersUnsupportedReason NotChunkedReason() =>
        _context.Response.ContentLength is not null && CanHaveBody(_context.Response.StatusCode)
            ? TrailersUnsupportedReason.ContentLength
            : TrailersUnsupportedReason.NoResponseBody;

    private static bool CanHaveBody(int status) => status is not (StatusCodes.Status204NoContent or StatusCodes.Status205ResetContent or StatusCodes.Status304NotModified) and >= 200;

    private static bool IsChunked(StringValues transferEncoding)
    {
        if (transferEncoding.Count == 0)
        {
            return false;
        }

        var last = transferEncoding[^1] ?? string.Empty;
        var comma = last.LastIndexOf(',');
        return string.Equals(last[(comma + 1)..].Trim(), "chunked", StringComparison.OrdinalIgnoreCase);
    }
}
