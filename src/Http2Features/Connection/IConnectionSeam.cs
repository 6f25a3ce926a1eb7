namespace Http2Features.Connection;

/// <summary>
/// The narrow view capabilities get of a connection the seam observes. It is on
/// <c>ConnectionContext.Features</c>, so <c>HttpContext.Features.Get&lt;IConnectionSeam&gt;()</c> finds it too.
/// Frames and HPACK stay inside Connection/: capabilities see observations (the two observer ports) and ask for
/// bytes to be written (the two writer ports).
/// </summary>
internal interface IConnectionSeam
{
    /// <summary>What the seam has learned about the protocol so far.</summary>
    SeamProtocol Protocol { get; }

    /// <summary><see langword="true"/> for h2 and h2c.</summary>
    bool IsHttp2 { get; }

    /// <summary>Writes 103 responses on this connection.</summary>
    IInformationalResponseWriter InformationalResponses { get; }

    /// <summary>Puts trailer fields after the last chunk of an HTTP/1.1 response on this connection.</summary>
    IHttp1ResponseTrailerPort Http1Trailers { get; }

    /// <summary>Adds an observer of the client's frames; only from <see cref="IConnectionSeamCapability.OnConnectionStarted"/>.</summary>
    void Subscribe(IHttp2InputFrameObserver observer);

    /// <summary>Adds an observer of Kestrel's per-stream output; only from <see cref="IConnectionSeamCapability.OnConnectionStarted"/>.</summary>
    void Subscribe(IHttp2StreamOutputObserver observer);
}
