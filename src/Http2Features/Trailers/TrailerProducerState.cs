using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Http2Features.Trailers;

/// <summary>Which ready-made producers run for a request.</summary>
internal readonly record struct TrailerProducerSet(ChecksumTrailers Checksums, bool ServerTiming, bool GrpcStatus);

/// <summary>
/// Per-request state of the ready-made producers (checksum, server-timing, gRPC status). The first runner (middleware
/// or endpoint wrapper) that begins it owns it and finishes it; later ones only add producers.
/// </summary>
internal sealed class TrailerProducerState
{
    internal const string GrpcHandlerExceptionMessage = "Exception was thrown by handler.";

    private readonly HttpContext _context;
    private readonly IHttpResponseBodyFeature _originalBody;
    private long _startTimestamp;
    private List<string>? _metrics;
    private bool _handlerFailed;
    private bool _grpcInHeaders;
    private bool _finished;

    private TrailerProducerState(HttpContext context, ResponseTrailersFeature feature)
    {
        _context = context;
        Feature = feature;
        _originalBody = context.Features.Get<IHttpResponseBodyFeature>()!;
    }

    public ResponseTrailersFeature Feature { get; }

    public BodyHasher? Hasher { get; private set; }

    public bool ServerTiming { get; private set; }

    public bool GrpcStatus { get; private set; }

    /// <summary>Set when the application sent its own gRPC status, so the producer does not add a default one.</summary>
    public bool GrpcStatusSent { get; set; }

    /// <summary>Starts the producers for this request; returns null when the response cannot carry trailers.</summary>
    /// <param name="context">The request.</param>
    /// <param name="set">The producers to run.</param>
    /// <param name="services">The pack's trailers services, when the caller has them (else from <c>RequestServices</c>).</param>
    /// <param name="owner">Whether this call created the state (and so must finish it).</param>
    public static TrailerProducerState? Begin(HttpContext context, TrailerProducerSet set, TrailersServices? services, out bool owner)
    {
        owner = false;
        var feature = ResponseTrailersExtensions.GetFeature(context, services);
        if (!feature.IsSupported)
        {
            // HTTP/1.x: the documented fallback is to produce nothing and leave the response untouched.
            feature.Services.Metrics?.Record(TrailersStatus.NotSupported);
            return null;
        }

        // Kept on the request's trailers feature, not in Features: one field instead of a feature-list entry and a callback.
        var state = feature.Producer;
        if (state is null)
        {
            owner = true;
            state = new TrailerProducerState(context, feature);
            feature.Producer = state;
            if (state._originalBody is not null)
            {
                context.Features.Set<IHttpResponseBodyFeature>(new TrailerProducingResponseBody(state._originalBody, state));
            }

            if (!context.Response.HasStarted)
            {
                context.Response.OnStarting(static s => ((TrailerProducerState)s).DeclareOnStarting(), state);
            }
        }

        state.Merge(set);
        return state;
    }

    public void AddMetric(string metric) => (_metrics ??= []).Add(metric);

    public void MarkHandlerFailed() => _handlerFailed = true;

    /// <summary>
    /// Called by the owner when the handler (and its result) finished: adds the trailers, restores the body.
    /// After an unhandled exception nothing is produced: Kestrel answers 500 or resets the stream anyway.
    /// </summary>
    public async ValueTask FinishAsync(bool produce = true)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        try
        {
            if (produce)
            {
                var response = _context.Response;
                if (!response.HasStarted && GrpcStatus)
                {
                    // gRPC's Trailers-Only response: with no body the status travels in the headers (as grpc-dotnet does).
                    _grpcInHeaders = true;
                    AddGrpcStatus((name, value) => response.Headers[name] = value);
                }

                if (!response.HasStarted && Feature.NeedsStartForTrailers)
                {
                    // HTTP/1.1: a response completed without a body gets Content-Length: 0 from Kestrel, which cannot carry
                    // trailers; starting it now makes Kestrel choose chunked framing (its last chunk carries them).
                    await response.StartAsync(_context.RequestAborted);
                }

                Feature.RunSendingCallbacks();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException && _context.RequestAborted.IsCancellationRequested)
        {
            // The client left while the response was being started: nothing to add.
        }
        finally
        {
            if (_originalBody is not null)
            {
                _context.Features.Set(_originalBody);
            }

            Hasher?.Dispose();
        }
    }

    private void Merge(TrailerProducerSet set)
    {
        if (set.Checksums != ChecksumTrailers.None)
        {
            if (Hasher is null)
            {
                // Bytes already written would be missing from the hash: only start hashing before the body starts.
                if (!_context.Response.HasStarted)
                {
                    Hasher = new BodyHasher(set.Checksums);
                }
            }
            else
            {
                Hasher.Add(set.Checksums);
            }
        }

        if (set.ServerTiming && !ServerTiming)
        {
            ServerTiming = true;
            _startTimestamp = Stopwatch.GetTimestamp();
        }

        GrpcStatus |= set.GrpcStatus;
    }

    private bool ChecksumApplies()
    {
        // A 206 carries part of the representation, so a repr-digest of it would be wrong; HEAD/204/304 carry no content.
        var status = _context.Response.StatusCode;
        return Hasher is not null
            && !HttpMethods.IsHead(_context.Request.Method)
            && status is not (StatusCodes.Status206PartialContent or StatusCodes.Status204NoContent or StatusCodes.Status304NotModified);
    }

    private Task DeclareOnStarting()
    {
        // At most five names, on the stack (no list per request).
        var names = default(NameBuffer);
        var count = 0;
        if (ChecksumApplies())
        {
            if (Hasher!.Algorithms.HasFlag(ChecksumTrailers.ContentMd5))
            {
                names[count++] = TrailerNames.ContentMd5;
            }

            if ((Hasher.Algorithms & (ChecksumTrailers.ReprDigestSha256 | ChecksumTrailers.ReprDigestSha512)) != 0)
            {
                names[count++] = TrailerNames.ReprDigest;
            }
        }

        if (ServerTiming)
        {
            names[count++] = TrailerNames.ServerTiming;
        }

        if (GrpcStatus && !_grpcInHeaders)
        {
            names[count++] = TrailerNames.GrpcStatus;
            names[count++] = TrailerNames.GrpcMessage;
        }

        if (count > 0)
        {
            Feature.DeclareProduced(((ReadOnlySpan<string>)names)[..count]);
        }

        return Task.CompletedTask;
    }

    [System.Runtime.CompilerServices.InlineArray(5)]
    private struct NameBuffer
    {
        private string _element0;
    }

    /// <summary>
    /// Adds the producers' trailers; run by the trailers feature just before they go out (before any other callback),
    /// right after it checked that trailers can still be added.
    /// </summary>
    internal void Produce(ResponseTrailersFeature feature)
    {
        if (ChecksumApplies())
        {
            if (Hasher!.ContentMd5() is { } md5)
            {
                feature.AddProducedChecked(TrailerNames.ContentMd5, md5);
            }

            if (Hasher.ReprDigest() is { } digest)
            {
                feature.AddProducedChecked(TrailerNames.ReprDigest, digest);
            }
        }

        if (ServerTiming)
        {
            var total = Stopwatch.GetElapsedTime(_startTimestamp).TotalMilliseconds;
            var value = new StringBuilder(ServerTimingFormat.Metric("total", total, null));
            if (_metrics is not null)
            {
                foreach (var metric in _metrics)
                {
                    value.Append(", ").Append(metric);
                }
            }

            Feature.AddProduced(TrailerNames.ServerTiming, value.ToString());
        }

        if (GrpcStatus && !_grpcInHeaders)
        {
            AddGrpcStatus(Feature.AddProduced);
        }
    }

    // Set, not appended: a status the app sent itself (SendGrpcStatusAsync, a grpc-status trailer or header) wins.
    private void AddGrpcStatus(Action<string, string> add)
    {
        if (GrpcStatusSent || Feature.HasTrailer(TrailerNames.GrpcStatus) || _context.Response.Headers.ContainsKey(TrailerNames.GrpcStatus))
        {
            return;
        }

        var code = _handlerFailed ? GrpcStatusCode.Unknown : GrpcStatusCode.OK;
        add(TrailerNames.GrpcStatus, ((int)code).ToString(CultureInfo.InvariantCulture));
        if (_handlerFailed)
        {
            add(TrailerNames.GrpcMessage, GrpcStatusExtensions.PercentEncode(GrpcHandlerExceptionMessage));
        }
    }
}
