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
/// <see cref="Transport"/> is always a seam pipe at the application layer. When a later middleware
/// installs its own transport (Kestrel's TLS middleware installs the decrypted pipe), the setter wraps
/// it, so the seam sees plaintext wherever it sits in the pipeline, including before <c>UseHttps</c>, which
/// is where endpoint defaults, <c>Kestrel:Endpoints</c> and https URLs put it.
/// </summary>
internal sealed class SeamConnectionContext : ConnectionContext
{
    private readonly ConnectionContext _inner;
    private readonly ConnectionSeamState _state;
    private readonly ILogger _logger;
    private SeamDuplexPipe _current;
    private IDuplexPipe _transport;

    public SeamConnectionContext(ConnectionContext inner, ConnectionSeamState state, ILogger logger)
    {
        _inner = inner;
        _state = state;
        _logger = logger;
        _current = CreateSeam(inner.Transport);
        _transport = _current;
    }

    public override IDuplexPipe Transport
    {
        get => _transport;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value is SeamDuplexPipe || _current.Layer.IsApplication)
            {
                // A seam pipe coming back (TLS restores the transport it found), or a middleware wrapping
                // the application-layer seam (connection logging): keep as is, never observe twice.
                _transport = value;
                return;
            }

            // The pipe the seam wraps turned out not to carry HTTP (ciphertext) or carried nothing yet:
            // the new transport is the one that will.
            var seam = CreateSeam(value);
            _current.Layer.Supersede();
            _current = seam;
            _transport = seam;
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

    private SeamDuplexPipe CreateSeam(IDuplexPipe transport)
    {
        // Kestrel's TLS middleware sets this feature before it installs the decrypted pipe, and ALPN is
        // known by then; without it the transport is cleartext or still ciphertext, and its bytes decide.
        var tls = Features.Get<ITlsApplicationProtocolFeature>();
        return tls is not null
            ? SeamDuplexPipe.ForTls(transport, tls.ApplicationProtocol.Span, _state, _logger)
            : SeamDuplexPipe.ForUnknownTransport(transport, _state, _logger);
    }
}
