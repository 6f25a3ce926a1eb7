using Http2Features.Priority;

namespace Http2Features.Connection;

/// <summary>
/// The narrow view capabilities get of a connection the seam observes. It is on
/// <c>ConnectionContext.Features</c>, so <c>HttpContext.Features.Get&lt;IConnectionSeam&gt;()</c> finds it too.
/// </summary>
internal interface IConnectionSeam
{
    /// <summary>What the seam has learned about the protocol so far.</summary>
    SeamProtocol Protocol { get; }

    /// <summary><see langword="true"/> for h2 and h2c.</summary>
    bool IsHttp2 { get; }

    /// <summary>The client's priority signals.</summary>
    StreamPriorityTable Priorities { get; }

    /// <summary>Recycled per-request priority features (bounded by the stream limit).</summary>
    StreamPriorityFeaturePool PriorityFeatures { get; }

    /// <summary>The client's SETTINGS as observed, in arrival order.</summary>
    ClientSettingsObservation ClientSettings { get; }

    /// <summary>Which stream's DATA (and RST_STREAM) Kestrel wrote to the transport, for schedulers.</summary>
    StreamOutputProgress OutputProgress { get; }

    /// <summary>Gets the per-connection object a capability attached, creating it on first use.</summary>
    T GetOrAttach<T>(Func<IConnectionSeam, T> factory)
        where T : class;

    /// <summary>Gets the per-connection object of type <typeparamref name="T"/>, if one was attached.</summary>
    T? Get<T>()
        where T : class;
}
