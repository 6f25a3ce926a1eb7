using Http2Features.EarlyHints;

namespace Http2Features.Connection;

/// <summary>
/// Per-connection entry point for early hints, attached to the seam state. A TLS connection can have two
/// seam pipes (below and above TLS); hints go to the writer of the pipe that carries HTTP.
/// </summary>
internal sealed class EarlyHintsConnection : IEarlyHintsSender
{
    private readonly Lock _lock = new();
    private (EarlyHintsOutputWriter Writer, SeamTransportLayer Layer)[] _writers = [];

    public void Add(EarlyHintsOutputWriter writer, SeamTransportLayer layer)
    {
        lock (_lock)
        {
            _writers = [.. _writers, (writer, layer)];
        }
    }

    public ValueTask<EarlyHintsResult> SendAsync(EarlyHintsRequest request, CancellationToken cancellationToken)
    {
        var writers = Volatile.Read(ref _writers);
        for (var i = writers.Length - 1; i >= 0; i--)
        {
            if (writers[i].Layer.IsApplication && !writers[i].Writer.IsPassthrough)
            {
                return writers[i].Writer.SendAsync(request, cancellationToken);
            }
        }

        return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.NoConnectionSeam));
    }
}
