using System.IO.Pipelines;

namespace Http2Features.Connection;

/// <summary>
/// The one place the seam's OUTPUT side plugs in. Every seam pipe passes Kestrel's transport writer
/// through <see cref="Wrap"/>, which puts the frame-tracking writer that can write 103 responses in front of it.
/// </summary>
internal static class ConnectionOutput
{
    /// <summary>Wraps the writer Kestrel will use for this connection.</summary>
    /// <param name="inner">The writer below (socket, or the TLS pipe).</param>
    /// <param name="state">The connection's seam state (client SETTINGS; it passes per-stream output on to subscribers).</param>
    /// <param name="layer">
    /// Whether this pipe is the application layer. A connection can have several seam pipes (below and above
    /// TLS, around other middleware's transports); a writer only injects bytes into the one that is.
    /// </param>
    /// <returns>The writer Kestrel will see.</returns>
    internal static EarlyHintsOutputWriter Wrap(PipeWriter inner, ConnectionSeamState state, SeamTransportLayer layer)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(layer);
        return new EarlyHintsOutputWriter(inner, state.ClientSettings, () => layer.IsApplication, state);
    }
}
