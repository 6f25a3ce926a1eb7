using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Http2Features.Connection.ProxyProtocol;

/// <summary>
/// The Kestrel connection middleware that reads a PROXY protocol header before anything else on the connection
/// (before TLS), puts the header's addresses on the connection (so <c>HttpContext.Connection.RemoteIpAddress</c>
/// is the client's), and hands the rest of the bytes, untouched, to the next middleware.
/// </summary>
/// <remarks>
/// Trust follows gunicorn's <c>proxy_allow_ips</c>: a trusted peer must send a valid header in time or the
/// connection is closed (logged, 1201/1202); any other peer is served as a direct client when it sends no header
/// and closed when it sends one (1203), since it could otherwise claim any client address. A non-IP peer (Unix
/// socket) is trusted.
/// </remarks>
internal sealed class ProxyProtocolMiddleware
{
    private readonly ConnectionDelegate _next;
    private readonly ProxyProtocolMode _mode;
    private readonly IPAddress[] _knownProxies;
    private readonly IPNetwork[] _knownNetworks;
    private readonly bool _trustAll;
    private readonly TimeSpan _timeout;
    private readonly int _maxV2Length;
    private readonly int _maxPeek;
    private readonly ILogger _logger;
    private readonly ProxyProtocolMetrics? _metrics;

    public ProxyProtocolMiddleware(ConnectionDelegate next, ProxyProtocolOptions options, ILogger logger, ProxyProtocolMetrics? metrics)
    {
        _next = next;
        _mode = options.Mode;
        _knownProxies = [.. options.KnownProxies.Select(Normalize)];
        _knownNetworks = [.. options.KnownIPNetworks];
        _trustAll = options.TrustAllProxies;
        _timeout = options.HeaderTimeout;
        _maxV2Length = options.MaxHeaderSize;
        _maxPeek = Math.Max(ProxyProtocolParser.V1MaxLength, options.MaxHeaderSize);
        _logger = logger;
        _metrics = metrics;
    }

    public async Task OnConnectionAsync(ConnectionContext context)
    {
        var peer = context.RemoteEndPoint;
        var trusted = IsTrusted(peer);

        // Read below the Http2Features seam when it sits before this middleware (endpoint defaults put it there):
        // the header is not HTTP and must never reach the seam's observer; the seam sees the bytes after it.
        var transport = context.Transport;
        var input = (transport is SeamDuplexPipe seam ? seam.Inner : transport).Input;

        using var timeout = new CancellationTokenSource(_timeout);
        ProxyParseResult outcome;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                _metrics?.Rejected("timeout");
                ProxyProtocolLog.HeaderTimedOut(_logger, context.ConnectionId, peer, _timeout);
                Close(context, "PROXY header timeout");
                return;
            }

            var buffer = read.Buffer;
            outcome = Parse(buffer, trusted);
            if (outcome.Status != ProxyParseStatus.Incomplete)
            {
                // Consume the header only; leave everything after it for TLS/Kestrel, unexamined, so their first
                // read returns it at once.
                input.AdvanceTo(buffer.GetPosition(outcome.Status == ProxyParseStatus.Complete && trusted ? outcome.Consumed : 0));
                break;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                input.AdvanceTo(buffer.End);
                if (buffer.Length > 0 || trusted)
                {
                    _metrics?.Rejected("closed");
                    ProxyProtocolLog.HeaderRejected(_logger, context.ConnectionId, peer, "the peer closed the connection before a complete PROXY header");
                }

                Close(context, "PROXY header incomplete");
                return;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }

        if (!trusted)
        {
            if (outcome.Status == ProxyParseStatus.NotProxy)
            {
                ProxyProtocolLog.UntrustedPeerServedDirectly(_logger, context.ConnectionId, peer);
                await _next(context).ConfigureAwait(false);
                return;
            }

            _metrics?.Rejected("untrusted_peer");
            ProxyProtocolLog.HeaderFromUntrustedPeer(_logger, context.ConnectionId, peer);
            Close(context, "PROXY header from an untrusted peer");
            return;
        }

        if (outcome.Status != ProxyParseStatus.Complete)
        {
            _metrics?.Rejected(outcome.ErrorType ?? "malformed");
            ProxyProtocolLog.HeaderRejected(_logger, context.ConnectionId, peer, outcome.Error ?? "invalid PROXY header");
            Close(context, outcome.Error ?? "invalid PROXY header");
            return;
        }

        var header = outcome.Header;
        if (header.Source is { } source && header.Destination is { } destination)
        {
            // Kestrel copies these into each request's HttpContext.Connection when it starts the HTTP layer.
            context.RemoteEndPoint = source;
            context.LocalEndPoint = destination;
        }

        context.Features.Set<IHttpProxyProtocolFeature>(new ProxyProtocolFeature(header, peer));
        _metrics?.Read((int)header.Version);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            ProxyProtocolLog.HeaderRead(_logger, (int)header.Version, peer, context.RemoteEndPoint, context.LocalEndPoint);
        }

        await _next(context).ConfigureAwait(false);
    }

    private ProxyParseResult Parse(ReadOnlySequence<byte> buffer, bool trusted)
    {
        if (!trusted)
        {
            return Detect(buffer);
        }

        var window = buffer.Length > _maxPeek ? buffer.Slice(0, _maxPeek) : buffer;
        if (window.IsSingleSegment)
        {
            return ProxyProtocolParser.Parse(window.FirstSpan, _mode, _maxV2Length);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)window.Length);
        try
        {
            window.CopyTo(copy);
            return ProxyProtocolParser.Parse(copy.AsSpan(0, (int)window.Length), _mode, _maxV2Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    // An untrusted peer only needs telling apart: does it start with a PROXY signature (any version) or not?
    private static ProxyParseResult Detect(ReadOnlySequence<byte> buffer)
    {
        Span<byte> start = stackalloc byte[12];
        var n = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, n).CopyTo(start);
        var data = start[..n];
        var v1 = ProxyProtocolParser.StartsLike(data, ProxyProtocolParser.V1Prefix);
        var v2 = ProxyProtocolParser.StartsLike(data, ProxyProtocolParser.V2Signature);
        if (!v1 && !v2)
        {
            return ProxyParseResult.Missing("no PROXY header");
        }

        return (v1 && n >= ProxyProtocolParser.V1Prefix.Length) || (v2 && n >= ProxyProtocolParser.V2Signature.Length)
            ? ProxyParseResult.Malformed("PROXY header from an untrusted peer")
            : ProxyParseResult.NeedMore;
    }

    private bool IsTrusted(EndPoint? peer)
    {
        if (_trustAll || peer is not IPEndPoint ip)
        {
            return true; // gunicorn: connections without an IP address (Unix sockets) are trusted unconditionally
        }

        var address = Normalize(ip.Address);
        foreach (var known in _knownProxies)
        {
            if (known.Equals(address))
            {
                return true;
            }
        }

        foreach (var network in _knownNetworks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    // A dual-mode socket reports IPv4 peers as ::ffff:a.b.c.d.
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static void Close(ConnectionContext context, string reason) => context.Abort(new ConnectionAbortedException(reason));
}
