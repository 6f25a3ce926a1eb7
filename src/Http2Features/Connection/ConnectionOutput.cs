using System.IO.Pipelines;

namespace Http2Features.Connection;

/// <summary>
/// The one place the seam's OUTPUT side plugs in. Every seam pipe passes Kestrel's transport writer
/// through <see cref="Wrap"/>; the 103 Early Hints capability replaces the body with its frame-tracking
/// writer. Until then the inner writer is returned untouched (zero cost).
/// </summary>
internal static class ConnectionOutput
{
    /// <summary>Wraps the writer Kestrel will use for this connection.</summary>
    /// <param name="inner">The writer below (socket, or the TLS pipe).</param>
    /// <param name="state">The connection's seam state (protocol, client SETTINGS, attached objects).</param>
    /// <param name="layer">
    /// Whether this pipe is the application layer. A connection can have two seam pipes (below and above
    /// TLS); a writer must only inject bytes while <see cref="SeamTransportLayer.IsApplication"/> is true,
    /// which is always decided before Kestrel writes its first byte.
    /// </param>
    /// <returns>The writer Kestrel will see.</returns>
    internal static PipeWriter Wrap(PipeWriter inner, ConnectionSeamState state, SeamTransportLayer layer)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(layer);
        var writer = new EarlyHintsOutputWriter(inner, new SeamClientSettingsSource(state.ClientSettings), () => layer.IsApplication, state.OutputProgress, state.OnServerStreamEnded);
        state.GetOrAttach(static _ => new EarlyHintsConnection()).Add(writer, layer);
        state.GetOrAttach(static _ => new Http1TrailerConnection()).Add(writer, layer);
        return writer;
    }
}
