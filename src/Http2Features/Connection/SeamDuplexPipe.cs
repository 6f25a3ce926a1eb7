using System.IO.Pipelines;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>The transport Kestrel sees on a connection with the seam: observed input, pluggable output.</summary>
internal sealed class SeamDuplexPipe : IDuplexPipe
{
    private SeamDuplexPipe(IDuplexPipe inner, PipeReader input, SeamTransportLayer layer, ConnectionSeamState state)
    {
        Inner = inner;
        Input = input;
        Layer = layer;
        Writer = ConnectionOutput.Wrap(inner.Output, state, layer);
    }

    public IDuplexPipe Inner { get; }

    public PipeReader Input { get; }

    public PipeWriter Output => Writer;

    /// <summary>The seam's output writer on this pipe.</summary>
    internal EarlyHintsOutputWriter Writer { get; }

    public SeamTransportLayer Layer { get; }

    /// <summary>A pipe nothing is known about yet (cleartext, or below a transport a later middleware installs): its first bytes decide.</summary>
    public static SeamDuplexPipe ForUnknownTransport(IDuplexPipe inner, ConnectionSeamState state, ILogger logger, ITlsAboveProbe? tlsAbove = null)
    {
        var layer = new SeamTransportLayer(state, afterTls: false, tlsAbove);
        var reader = new FrameObservingReader(inner.Input, new Http2FrameObserver(layer, sniff: true), layer, logger);
        return new SeamDuplexPipe(inner, reader, layer, state);
    }

    /// <summary>A pipe installed after TLS, whose protocol ALPN decided.</summary>
    public static SeamDuplexPipe ForTls(IDuplexPipe inner, ReadOnlySpan<byte> alpn, ConnectionSeamState state, ILogger logger)
    {
        var layer = new SeamTransportLayer(state, afterTls: true);
        if (alpn.SequenceEqual("h2"u8))
        {
            state.SetProtocol(SeamProtocol.Http2);
            var reader = new FrameObservingReader(inner.Input, new Http2FrameObserver(layer, sniff: false), layer, logger);
            return new SeamDuplexPipe(inner, reader, layer, state);
        }

        // HTTP/1.1 has no frames to observe: hand Kestrel the inner reader itself.
        state.SetProtocol(SeamProtocol.Http11);
        return new SeamDuplexPipe(inner, inner.Input, layer, state);
    }
}
