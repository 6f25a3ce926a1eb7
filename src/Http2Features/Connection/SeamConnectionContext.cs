using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection;

/// <summary>
/// What the seam middleware hands the rest of the connection pipeline: the same connection, except that
/// <see cref="Transport"/> is always a seam pipe. Every transport a later middleware installs (a PROXY-protocol
/// reader, Kestrel's TLS middleware, connection logging) is wrapped in a new seam pipe that supersedes the one
/// below: middleware installs its transport before calling the rest of the pipeline, so the newest pipe is the
/// one Kestrel's HTTP layer reads and writes, whatever came before it. This is how a seam placed before
/// <c>UseHttps</c> (endpoint defaults, <c>Kestrel:Endpoints</c>, https URLs) still works on plaintext.
/// </summary>
internal sealed class SeamConnectionContext : ConnectionContext, ITlsAboveProbe
{
    private readonly ConnectionContext _inner;
    private readonly ConnectionSeamState _state;
    private readonly ILogger _logger;
    private readonly SeamEndpointWarnings? _warnings;
    private IDuplexPipe _transport;

    public SeamConnectionContext(ConnectionContext inner, ConnectionSeamState state, ILogger logger, SeamEndpointWarnings? warnings = null)
    {
        _inner = inner;
        _state = state;
        _logger = logger;
        _warnings = warnings;
        _transport = Install(inner.Transport);
    }

    public override IDuplexPipe Transport
    {
        get => _transport;
        set
        {
            ArgumentNullException.ThrowIfNull(value);

            // A seam pipe coming back is a middleware restoring what it found (TLS does, on its way out).
            _transport = value is SeamDuplexPipe ? value : Install(value);
        }
    }

    public override string ConnectionId
    {
        get => _inner.ConnectionId;
        set => _inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => _inner.Items;
        set => _inner.Items = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _inner.ConnectionClosed;
        set => _inner.ConnectionClosed = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _inner.LocalEndPoint;
        set => _inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _inner.RemoteEndPoint;
        set => _inner.RemoteEndPoint = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    public override void Abort() => _inner.Abort();

#pragma warning disable CA2215 // The base implementation only disposes what the inner connection owns.
    public override ValueTask DisposeAsync() => _inner.DisposeAsync();
#pragma warning restore CA2215

    bool? ITlsAboveProbe.IsTlsEstablished => Features.Get<ISslStreamFeature>()?.SslStream.IsAuthenticated;

    void ITlsAboveProbe.OnTransportHidden() => _warnings?.OnTransportHidden(ConnectionId);

    private SeamDuplexPipe Install(IDuplexPipe transport)
    {
        // Kestrel's TLS middleware sets this feature before its handshake, so a transport installed while
        // it is present sits after TLS and ALPN decided its protocol; otherwise its first bytes decide.
        var tls = Features.Get<ITlsApplicationProtocolFeature>();
        var seam = tls is not null
            ? SeamDuplexPipe.ForTls(transport, tls.ApplicationProtocol.Span, _state, _logger)
            : SeamDuplexPipe.ForUnknownTransport(transport, _state, _logger, _warnings is null ? null : this);
        _state.SetApplicationPipe(seam);
        return seam;
    }
}
