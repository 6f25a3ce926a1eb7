using Microsoft.AspNetCore.Http.Features;

namespace Http2Features.Connection;

/// <summary>
/// Connection/'s input port: what a capability learns of the client's HTTP/2 frames. Calls arrive on the
/// connection's read loop, in wire order, before Kestrel sees the bytes; implementations must be quick, must not
/// block and must not throw. Subscribe in <see cref="IConnectionSeamCapability.OnConnectionStarted"/>.
/// </summary>
internal interface IHttp2InputFrameObserver
{
    /// <summary>A HEADERS frame without priority fields opened (or continued) a client stream.</summary>
    void OnStreamOpened(int streamId);

    /// <summary>
    /// RFC 7540 priority from a HEADERS frame with PRIORITY (<paramref name="opensStream"/> true: this also opens the
    /// stream) or a PRIORITY frame, already validated as Kestrel would.
    /// </summary>
    void OnPriority(int streamId, int dependsOn, int weight, bool exclusive, bool opensStream);

    /// <summary>An RFC 9218 PRIORITY_UPDATE frame; <paramref name="fieldValue"/> is only valid during the call.</summary>
    void OnPriorityUpdate(int prioritizedStreamId, ReadOnlySpan<byte> fieldValue);

    /// <summary>The client reset a stream (RST_STREAM).</summary>
    void OnStreamReset(int streamId);
}

/// <summary>
/// Connection/'s stream output port: what of Kestrel's output reached the connection's transport, per stream. Calls
/// arrive on Kestrel's output path (inside its write to the transport, under the output writer's lock): quick, no
/// blocking, no throwing. Subscribe in <see cref="IConnectionSeamCapability.OnConnectionStarted"/>.
/// </summary>
internal interface IHttp2StreamOutputObserver
{
    /// <summary>A DATA frame of <paramref name="length"/> payload bytes (padding included) for the stream was written.</summary>
    void OnStreamData(int streamId, int length, bool endStream);

    /// <summary>Kestrel ended the stream: END_STREAM (on DATA or HEADERS), or its RST_STREAM (<paramref name="reset"/>).</summary>
    void OnStreamEnded(int streamId, bool reset);
}

/// <summary>
/// A capability that takes part in every connection the seam observes (registered in DI, resolved once per endpoint).
/// It is called once per connection before any byte flows, and is where it subscribes to the ports and puts its own
/// per-connection state on the connection's features (which requests see through <c>HttpContext.Features</c>).
/// </summary>
internal interface IConnectionSeamCapability
{
    /// <param name="seam">The connection's seam: subscribe here, not later.</param>
    /// <param name="connectionFeatures">The connection's features.</param>
    /// <param name="endpoint">What the seam knows of the endpoint.</param>
    void OnConnectionStarted(IConnectionSeam seam, IFeatureCollection connectionFeatures, SeamEndpointLimits endpoint);
}

/// <summary>The endpoint's Kestrel limits a capability may size its per-connection state by.</summary>
/// <param name="MaxStreamsPerConnection">Kestrel's <c>Limits.Http2.MaxStreamsPerConnection</c>.</param>
internal readonly record struct SeamEndpointLimits(int MaxStreamsPerConnection);
