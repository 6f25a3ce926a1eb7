using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>
/// Run-time warnings about one endpoint's seam, each logged at most once per endpoint: a misplaced connection
/// middleware shows on every connection, and one line that names the endpoint and the fix is what helps.
/// </summary>
internal sealed class SeamEndpointWarnings
{
    private readonly ListenOptions? _endpoint;
    private readonly ILogger _logger;
    private int _transportHiddenWarned;

    public SeamEndpointWarnings(ListenOptions? endpoint, ILogger logger)
    {
        _endpoint = endpoint;
        _logger = logger;
    }

    /// <summary>
    /// Kestrel's TLS finished its handshake on a connection, yet never installed its transport where the seam sees it
    /// (see <see cref="SeamTransportLayer"/>).
    /// </summary>
    public void OnTransportHidden(string connectionId)
    {
        if (Interlocked.Exchange(ref _transportHiddenWarned, 1) == 0)
        {
            // Read now, not when the middleware was built: Kestrel sets the bound port (for port 0) after building it.
            SeamLog.TransportHiddenFromSeam(_logger, _endpoint?.EndPoint?.ToString() ?? "(unknown)", connectionId);
        }
    }
}
