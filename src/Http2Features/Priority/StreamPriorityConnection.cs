using System.Runtime.CompilerServices;
using Http2Features.Connection;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Http2Features.Priority;

/// <summary>
/// Stream priority's state for one connection: the client's signals (<see cref="Priorities"/>) and the recycled
/// per-request features. It observes the client's frames and the streams Kestrel ends through Connection/'s two
/// observer ports, and sits on the connection's features, where requests find it.
/// </summary>
internal sealed class StreamPriorityConnection : IHttp2InputFrameObserver, IHttp2StreamOutputObserver
{
    // Kestrel serves an HTTP/2 connection's requests on stream objects that are also the request's feature collection,
    // pooled per connection and reused only once their request completed. Each such object gets one priority feature
    // for good, rebound to every request it serves: no connection lookup (a lookup that misses the request's own
    // features and scans the connection's), no pool, nothing registered to run at the end of the request. Checked
    // against the request's connection id on every use: an object that ever served another connection gets a new
    // feature. Weak keys: the features go with Kestrel's objects.
    private static readonly ConditionalWeakTable<IFeatureCollection, StreamPriorityFeature> ByRequestFeatures = new();

    private readonly IConnectionSeam _seam;
    private readonly PriorityMetrics? _metrics;

    public StreamPriorityConnection(IConnectionSeam seam, int maxConcurrentStreams, PriorityMetrics? metrics = null, string? connectionId = null)
    {
        _seam = seam;
        _metrics = metrics;
        ConnectionId = connectionId;
        Priorities = new StreamPriorityTable(maxConcurrentStreams, metrics);
        PriorityFeatures = new StreamPriorityFeaturePool(maxConcurrentStreams);
    }

    /// <summary>The connection's id when it was set up (what <c>HttpContext.Connection.Id</c> reports on its requests).</summary>
    public string? ConnectionId { get; }

    /// <summary>
    /// On an HTTP/2 connection the seam observes, the priority feature kept for the request object
    /// <paramref name="features"/> (bound to nothing yet for this request); otherwise <see langword="null"/>, with the
    /// connection's priority state in <paramref name="seam"/> where a seam observes the connection.
    /// </summary>
    public static StreamPriorityFeature? KeptFeature(HttpContext context, IFeatureCollection features, out StreamPriorityConnection? seam)
    {
        if (ByRequestFeatures.TryGetValue(features, out var kept) && kept.Owner is { ConnectionId: { } id } owner
            && string.Equals(context.Connection.Id, id, StringComparison.Ordinal))
        {
            seam = owner;
            return kept;
        }

        seam = features.Get<StreamPriorityConnection>();
        if (seam is not { IsHttp2: true, ConnectionId: not null })
        {
            return null;
        }

        kept = new StreamPriorityFeature(seam);
        ByRequestFeatures.AddOrUpdate(features, kept);
        return kept;
    }

    /// <summary>Whether the request's priority feature is the one kept for its Kestrel request object (for tests).</summary>
    internal static bool IsCachedFor(HttpContext context) =>
        ByRequestFeatures.TryGetValue(context.Features, out var kept) && kept.Owner?.ConnectionId == context.Connection.Id
        && ReferenceEquals(context.Features.Get<IHttp2StreamPriorityFeature>(), kept);

    /// <summary><see langword="true"/> for h2 and h2c connections.</summary>
    public bool IsHttp2 => _seam.IsHttp2;

    /// <summary>The client's priority signals.</summary>
    public StreamPriorityTable Priorities { get; }

    /// <summary>Recycled per-request priority features (bounded by the stream limit).</summary>
    public StreamPriorityFeaturePool PriorityFeatures { get; }

    void IHttp2InputFrameObserver.OnStreamOpened(int streamId) => Priorities.OnStreamOpened(streamId);

    void IHttp2InputFrameObserver.OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream)
    {
        _metrics?.Signal(opensStream ? "headers" : "priority");
        Priorities.OnPriority(streamId, dependsOn, weight, exclusive, opensStream);
    }

    void IHttp2InputFrameObserver.OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue)
    {
        _metrics?.Signal("priority_update");

        // RFC 9218 section 7.1: a value that does not parse is ignored (the previous signal stands).
        if (PriorityFieldParser.TryParse(fieldValue, out var urgency, out var incremental))
        {
            Priorities.OnPriorityUpdate(prioritizedStreamId, urgency, incremental);
        }
    }

    void IHttp2InputFrameObserver.OnStreamReset(int streamId) => Priorities.OnStreamReset(streamId);

    void IHttp2StreamOutputObserver.OnStreamData(int streamId, int length, bool endStream)
    {
    }

    /// <summary>
    /// Kestrel ended a stream. The priority entry of a request that never asked for its priority goes here: nothing
    /// runs per request for such a request, so the seam is the one that sees its end. Costs one read on a connection
    /// whose client sent no priority signal.
    /// </summary>
    void IHttp2StreamOutputObserver.OnStreamEnded(int streamId, bool reset) => Priorities.OnRequestEnded(streamId);
}

/// <summary>Gives every seam connection its <see cref="StreamPriorityConnection"/>.</summary>
internal sealed class StreamPriorityCapability(PriorityMetrics metrics) : IConnectionSeamCapability
{
    public void OnConnectionStarted(IConnectionSeam seam, IFeatureCollection connectionFeatures, SeamEndpointLimits endpoint)
    {
        var connection = new StreamPriorityConnection(seam, endpoint.MaxStreamsPerConnection, metrics, connectionFeatures.Get<IConnectionIdFeature>()?.ConnectionId);
        seam.Subscribe((IHttp2InputFrameObserver)connection);
        seam.Subscribe((IHttp2StreamOutputObserver)connection);
        connectionFeatures.Set(connection);

        // Kestrel runs these callbacks once the whole connection pipeline is done: no frame is observed after it.
        connectionFeatures.Get<IConnectionCompleteFeature>()?.OnCompleted(
            static state =>
            {
                ((StreamPriorityConnection)state).Priorities.Release();
                return Task.CompletedTask;
            },
            connection);
    }
}
