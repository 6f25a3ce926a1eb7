namespace Http2Features.Connection;

/// <summary>
/// Per-connection entry point of the HTTP/1.1 trailer port, attached to the seam state: a TLS connection can have two
/// seam pipes (below and above TLS); the last chunk is found in the output of the pipe that carries HTTP.
/// </summary>
internal sealed class Http1TrailerConnection : IHttp1ResponseTrailerPort
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

    public Http1ResponseTrailers? BeginResponse()
    {
        var writers = Volatile.Read(ref _writers);
        for (var i = writers.Length - 1; i >= 0; i--)
        {
            if (writers[i].Layer.IsApplication && !writers[i].Writer.IsPassthrough)
            {
                return writers[i].Writer.BeginResponse();
            }
        }

        return null;
    }
}
