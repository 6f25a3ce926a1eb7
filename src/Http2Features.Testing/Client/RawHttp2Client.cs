using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Http2Features.Testing;

/// <summary>
/// A raw HTTP/2 client for tests: it sends exactly the frames you ask for (priority, padding, CONTINUATION, PRIORITY_UPDATE,
/// RST_STREAM, GOAWAY, arbitrary bytes) and records everything the server sends — 1xx responses, trailers, resets, GOAWAY,
/// SETTINGS and a log of every frame. A background reader processes the connection; every wait has a timeout and fails
/// with a message saying what was awaited and which frames arrived instead.
/// </summary>
public sealed partial class RawHttp2Client : IAsyncDisposable
{
    /// <summary>The HTTP/2 connection preface a client sends first.</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private const int DefaultWindow = 65535;
    private const int DefaultMaxFrameSize = 16384;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<int, RawHttp2Stream> _streams = new();
    private readonly List<FrameLogEntry> _log = new();
    private readonly Dictionary<long, (TaskCompletionSource<TimeSpan> Tcs, long Started)> _pings = new();
    private readonly HpackEncoder _encoder;
    private readonly HpackDecoder _decoder;
    private readonly Http2Settings _serverSettings = new();
    private readonly TaskCompletionSource _serverSettingsReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _settingsAcknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<GoAwayInfo> _goAwayReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly long _startTimestamp;
    private readonly string _scheme;
    private readonly string _authority;
    private readonly int _receiveStreamWindow;
    private readonly int _receiveConnectionWindow;
    private readonly int _maxReceiveFrameSize;
    private Task _readLoop = Task.CompletedTask;
    private TaskCompletionSource _windowChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _connectionError;
    private GoAwayInfo? _goAway;
    private int _nextStreamId = 1;
    private long _sequence;
    private long _connectionSendWindow = DefaultWindow;
    private long _serverInitialWindowSize = DefaultWindow;
    private int _serverMaxFrameSize = DefaultMaxFrameSize;
    private int? _pendingEncoderTableSize;
    private int _connectionReceiveUnacknowledged;
    private long _pingCounter;
    private int _disposed;

    // Header block being assembled from HEADERS/PUSH_PROMISE + CONTINUATION.
    private int _blockStreamId;
    private bool _blockEndStream;
    private bool _blockIsPushPromise;
    private readonly System.Buffers.ArrayBufferWriter<byte> _blockBuffer = new();

    private RawHttp2Client(Socket socket, Stream stream, RawHttp2ClientOptions options, Uri baseAddress, string? negotiatedProtocol)
    {
        _socket = socket;
        _stream = stream;
        Options = options;
        BaseAddress = baseAddress;
        NegotiatedProtocol = negotiatedProtocol;
        _startTimestamp = Stopwatch.GetTimestamp();
        _scheme = baseAddress.Scheme;
        _authority = options.Authority ?? baseAddress.Authority;
        var client = options.ClientSettings;
        _receiveStreamWindow = (int)Math.Min(client.InitialWindowSize ?? DefaultWindow, int.MaxValue);
        _receiveConnectionWindow = options.ConnectionWindowSize ?? DefaultWindow;
        _maxReceiveFrameSize = (int)(client.MaxFrameSize ?? DefaultMaxFrameSize);
        _decoder = new HpackDecoder((int)(client.HeaderTableSize ?? 4096));
        _encoder = new HpackEncoder(4096) { UseHuffman = options.HpackUseHuffman, UseDynamicTable = options.HpackUseDynamicTable };
    }

    /// <summary>The address the client connected to.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The client's end of the connection (its source address and port), as the server's socket sees it unless a proxy is in between.</summary>
    public System.Net.EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>The options in use.</summary>
    public RawHttp2ClientOptions Options { get; }

    /// <summary>The ALPN protocol TLS negotiated (<c>h2</c>), or null over cleartext (h2c prior knowledge).</summary>
    public string? NegotiatedProtocol { get; }

    /// <summary>The SETTINGS values the server sent (a copy; every SETTINGS frame received so far applied in order).</summary>
    public Http2Settings ServerSettings
    {
        get
        {
            lock (Sync)
            {
                return _serverSettings.Clone();
            }
        }
    }

    /// <summary>Completes when the server acknowledged the client's SETTINGS.</summary>
    public Task SettingsAcknowledged => _settingsAcknowledged.Task;

    /// <summary>The id the next request will use (odd, increasing).</summary>
    public int NextStreamId
    {
        get
        {
            lock (Sync)
            {
                return _nextStreamId;
            }
        }
    }

    /// <summary>Every frame received and sent so far, in order (a copy).</summary>
    public IReadOnlyList<FrameLogEntry> FrameLog
    {
        get
        {
            lock (Sync)
            {
                return _log.ToArray();
            }
        }
    }

    /// <summary>Frames received from the server so far, in order.</summary>
    public IReadOnlyList<FrameLogEntry> ReceivedFrames
    {
        get
        {
            lock (Sync)
            {
                return _log.Where(f => f.Direction == FrameDirection.Received).ToArray();
            }
        }
    }

    /// <summary>The GOAWAY the server sent, or null.</summary>
    public GoAwayInfo? GoAway
    {
        get
        {
            lock (Sync)
            {
                return _goAway;
            }
        }
    }

    /// <summary>True once the connection was closed by either side or failed.</summary>
    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>The error that ended the connection (closed by the server, protocol violation...), or null while it is open.</summary>
    public Exception? ConnectionError
    {
        get
        {
            lock (Sync)
            {
                return _connectionError;
            }
        }
    }

    /// <summary>The connection's HPACK decoder (for assertions about the dynamic table the server built).</summary>
    public HpackDecoder Decoder => _decoder;

    internal object Sync { get; } = new();

    /// <summary>
    /// Opens a connection: <c>https</c> means TLS with ALPN <c>h2</c>, <c>http</c> means cleartext HTTP/2 with prior knowledge.
    /// Sends the preface and SETTINGS and waits for the server's SETTINGS.
    /// </summary>
    public static async Task<RawHttp2Client> ConnectAsync(Uri baseAddress, RawHttp2ClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        options ??= new RawHttp2ClientOptions();
        var tls = baseAddress.Scheme switch
        {
            "https" => true,
            "http" => false,
            _ => throw new ArgumentException($"Scheme '{baseAddress.Scheme}' of {baseAddress} is neither https (TLS + ALPN h2) nor http (h2c prior knowledge).", nameof(baseAddress)),
        };

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(options.Timeout);
        var socket = options.UnixSocketPath is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Stream stream;
        string? negotiated = null;
        try
        {
            if (options.UnixSocketPath is { } path)
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), timeoutCts.Token);
            }
            else
            {
                await socket.ConnectAsync(baseAddress.IdnHost, baseAddress.Port, timeoutCts.Token);
            }

            stream = new NetworkStream(socket, ownsSocket: true);
            if (!options.ConnectionPrefix.IsEmpty)
            {
                await stream.WriteAsync(options.ConnectionPrefix, timeoutCts.Token);
            }

            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                var sslOptions = new SslClientAuthenticationOptions
                {
                    TargetHost = options.TlsTargetHost ?? baseAddress.IdnHost,
                    ApplicationProtocols = options.ApplicationProtocols.Select(p => new SslApplicationProtocol(p)).ToList(),
                    RemoteCertificateValidationCallback = options.RemoteCertificateValidationCallback
                        ?? (options.ValidateServerCertificate ? null : AcceptAnyCertificate),
                };
                await ssl.AuthenticateAsClientAsync(sslOptions, timeoutCts.Token);
                negotiated = ssl.NegotiatedApplicationProtocol.Protocol.Length == 0 ? null : ssl.NegotiatedApplicationProtocol.ToString();
                if (options.RequireH2 && negotiated != Http2FeaturesTesting.AlpnH2)
                {
                    await ssl.DisposeAsync();
                    throw new RawHttp2Exception($"TLS to {baseAddress} negotiated ALPN '{negotiated ?? "(none)"}' instead of 'h2': the endpoint does not offer HTTP/2 over TLS (check ListenOptions.Protocols).");
                }
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RawHttp2Exception($"Timed out after {options.Timeout.TotalSeconds:F1} s connecting to {baseAddress}{(tls ? " (TCP + TLS handshake)" : "")}.", ex);
        }
        catch (System.Security.Authentication.AuthenticationException ex)
        {
            socket.Dispose();
            throw new RawHttp2Exception(
                $"TLS handshake with {baseAddress} failed: {ex.Message} {ex.InnerException?.Message} " +
                $"(offered ALPN: {string.Join(", ", options.ApplicationProtocols)}; an endpoint without HTTP/2 in ListenOptions.Protocols fails ALPN this way; " +
                "a certificate rejected by RemoteCertificateValidationCallback or ValidateServerCertificate too).", ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            socket.Dispose();
            throw new RawHttp2Exception($"Could not connect to {baseAddress}: {ex.Message}", ex);
        }

        var client = new RawHttp2Client(socket, stream, options, baseAddress, negotiated);
        try
        {
            await client.StartAsync(cancellationToken);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    private static bool AcceptAnyCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors) => true;

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Options.SendPreface)
        {
            // Preface, SETTINGS and an optional connection WINDOW_UPDATE in one write.
            var settings = BuildSettingsPayload(Options.ClientSettings);
            var buffer = new List<byte>(Preface.Length + 9 + settings.Length + 13);
            buffer.AddRange(Preface.ToArray());
            AppendFrame(buffer, Http2FrameType.Settings, 0, 0, settings);
            var increment = _receiveConnectionWindow - DefaultWindow;
            var frames = 1;
            if (increment > 0)
            {
                var wu = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(wu, increment);
                AppendFrame(buffer, Http2FrameType.WindowUpdate, 0, 0, wu);
                frames++;
            }

            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                await WriteBytesLockedAsync(buffer.ToArray(), cancellationToken);
                LogSent(Http2FrameType.Settings, 0, 0, settings.Length, Options.ClientSettings.ToString());
                if (frames == 2)
                {
                    LogSent(Http2FrameType.WindowUpdate, 0, 0, 4, "increment=" + increment.ToString(CultureInfo.InvariantCulture));
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }

        _readLoop = Task.Run(ReadLoopAsync, CancellationToken.None);
        if (Options.SendPreface && Options.WaitForServerSettings)
        {
            await WaitAsync(_serverSettingsReceived.Task, null, cancellationToken, "the server's first SETTINGS frame", () => "");
        }
    }

    // ------------------------------------------------------------------ requests

    /// <summary>Sends a request's HEADERS (+ CONTINUATION) and body; returns the stream to read the response from.</summary>
    public async Task<RawHttp2Stream> SendRequestAsync(RawHttp2Request request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Priority is { } p)
        {
            ValidateWeight(p.Weight);
        }

        var fields = new List<KeyValuePair<string, string>>(request.Headers.Count + 4)
        {
            new(":method", request.Method),
            new(":scheme", request.Scheme ?? _scheme),
        };
        var authority = request.Authority ?? _authority;
        if (authority.Length > 0)
        {
            fields.Add(new(":authority", authority));
        }

        fields.Add(new(":path", request.Path));
        foreach (var h in request.Headers)
        {
            fields.Add(new(Options.LowercaseHeaderNames ? h.Key.ToLowerInvariant() : h.Key, h.Value));
        }

        var hasTrailers = request.Trailers.Count > 0;
        var endStreamOnHeaders = request.EndStream && request.Body is null && !hasTrailers;
        RawHttp2Stream stream;
        await AcquireWriteLockAsync(cancellationToken, "the write lock to send HEADERS");
        try
        {
            ThrowIfClosed("send a request");
            lock (Sync)
            {
                var id = _nextStreamId;
                _nextStreamId += 2;
                stream = new RawHttp2Stream(this, id, _serverInitialWindowSize);
                stream.LocalEnded = endStreamOnHeaders;
                _streams[id] = stream;
            }

            ApplyPendingEncoderTableSize();
            var block = new List<byte>(256);
            _encoder.BeginBlock(block);
            foreach (var f in fields)
            {
                _encoder.EncodeField(block, f.Key, f.Value, HpackIndexing.Incremental);
            }

            await WriteHeaderBlockLockedAsync(stream.StreamId, block.ToArray(), request.Priority, request.PadLength, endStreamOnHeaders,
                request.MaxHeaderFragmentSize, $"{request.Method} {request.Path}", cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }

        if (request.Body is { } body)
        {
            await SendDataAsync(stream, body, request.EndStream && !hasTrailers, cancellationToken);
        }

        if (hasTrailers && request.EndStream)
        {
            await SendTrailersAsync(stream, request.Trailers, cancellationToken);
        }

        return stream;
    }

    internal async Task SendTrailersAsync(RawHttp2Stream stream, IEnumerable<KeyValuePair<string, string>> trailers, CancellationToken cancellationToken)
    {
        await AcquireWriteLockAsync(cancellationToken, "the write lock to send trailers");
        try
        {
            ThrowIfClosed("send trailers");
            ApplyPendingEncoderTableSize();
            var block = new List<byte>(128);
            _encoder.BeginBlock(block);
            foreach (var t in trailers)
            {
                _encoder.EncodeField(block, Options.LowercaseHeaderNames ? t.Key.ToLowerInvariant() : t.Key, t.Value, HpackIndexing.Incremental);
            }

            await WriteHeaderBlockLockedAsync(stream.StreamId, block.ToArray(), null, null, endStream: true, null, "trailers", cancellationToken);
            lock (Sync)
            {
                stream.LocalEnded = true;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends <c>GET path</c> and waits for the complete response.</summary>
    public async Task<RawHttp2Response> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = await SendRequestAsync(new RawHttp2Request { Method = "GET", Path = path }, cancellationToken);
        return await stream.ReadResponseAsync(null, cancellationToken);
    }

    /// <summary>The stream with this id (opened by a request or by a HEADERS frame written with <see cref="WriteFrameAsync"/>), or null.</summary>
    public RawHttp2Stream? GetStream(int streamId)
    {
        lock (Sync)
        {
            return _streams.GetValueOrDefault(streamId);
        }
    }

    /// <summary>
    /// Starts collecting the frames of a stream the test opens itself with <see cref="WriteFrameAsync"/> (done automatically
    /// for HEADERS written there) and moves <see cref="NextStreamId"/> past it.
    /// </summary>
    public RawHttp2Stream TrackStream(int streamId)
    {
        lock (Sync)
        {
            if (!_streams.TryGetValue(streamId, out var stream))
            {
                stream = new RawHttp2Stream(this, streamId, _serverInitialWindowSize);
                _streams[streamId] = stream;
            }

            if (streamId >= _nextStreamId && (streamId & 1) == 1)
            {
                _nextStreamId = streamId + 2;
            }

            return stream;
        }
    }

    private async Task WriteHeaderBlockLockedAsync(int streamId, byte[] block, Http2PriorityData? priority, byte? padLength, bool endStream,
        int? maxFragment, string detail, CancellationToken cancellationToken)
    {
        int maxFrame;
        lock (Sync)
        {
            maxFrame = _serverMaxFrameSize;
        }

        var overhead = (padLength is { } pad ? 1 + pad : 0) + (priority is null ? 0 : 5);
        var firstCapacity = Math.Max(0, Math.Min(maxFragment ?? int.MaxValue, maxFrame - overhead));
        var nextCapacity = Math.Max(1, Math.Min(maxFragment ?? int.MaxValue, maxFrame));
        var firstLength = Math.Min(block.Length, firstCapacity);
        var buffer = new List<byte>(block.Length + 64);
        var logged = new List<(Http2FrameType Type, byte Flags, int Length, string? Detail)>();

        var flags = (byte)0;
        if (endStream)
        {
            flags |= Http2FrameFlags.EndStream;
        }

        if (firstLength == block.Length)
        {
            flags |= Http2FrameFlags.EndHeaders;
        }

        if (padLength is not null)
        {
            flags |= Http2FrameFlags.Padded;
        }

        if (priority is not null)
        {
            flags |= Http2FrameFlags.Priority;
        }

        var payload = new byte[overhead + firstLength];
        var pos = 0;
        if (padLength is { } padBytes)
        {
            payload[pos++] = padBytes;
        }

        if (priority is { } pr)
        {
            WritePriorityFields(payload.AsSpan(pos), pr.DependsOn, pr.Weight, pr.Exclusive);
            pos += 5;
            detail += string.Create(CultureInfo.InvariantCulture, $" priority(dep={pr.DependsOn}, weight={pr.Weight}, exclusive={pr.Exclusive})");
        }

        block.AsSpan(0, firstLength).CopyTo(payload.AsSpan(pos));
        AppendFrame(buffer, Http2FrameType.Headers, flags, streamId, payload);
        logged.Add((Http2FrameType.Headers, flags, payload.Length, detail));

        var offset = firstLength;
        while (offset < block.Length)
        {
            var length = Math.Min(nextCapacity, block.Length - offset);
            var last = offset + length == block.Length;
            var cflags = last ? Http2FrameFlags.EndHeaders : (byte)0;
            AppendFrame(buffer, Http2FrameType.Continuation, cflags, streamId, block.AsSpan(offset, length));
            logged.Add((Http2FrameType.Continuation, cflags, length, null));
            offset += length;
        }

        await WriteBytesLockedAsync(buffer.ToArray(), cancellationToken);
        foreach (var (type, f, len, d) in logged)
        {
            LogSent(type, f, streamId, len, d);
        }
    }

    internal async Task SendDataAsync(RawHttp2Stream stream, ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken)
    {
        var offset = 0;
        do
        {
            int chunk;
            while (true)
            {
                Task windowSignal;
                lock (Sync)
                {
                    if (stream.IsReset)
                    {
                        return; // Reset by the server (or us): the rest of the body is moot.
                    }

                    var remaining = data.Length - offset;
                    var window = Math.Min(_connectionSendWindow, stream.SendWindow);
                    if (remaining == 0 || window > 0)
                    {
                        chunk = (int)Math.Min(Math.Min(remaining, window), _serverMaxFrameSize);
                        _connectionSendWindow -= chunk;
                        stream.SendWindow -= chunk;
                        break;
                    }

                    windowSignal = _windowChanged.Task;
                }

                await WaitAsync(windowSignal, null, cancellationToken,
                    $"flow-control window to send DATA on stream {stream.StreamId} ({data.Length - offset} bytes left; connection window {_connectionSendWindow}, stream window {stream.SendWindow})",
                    stream.DescribeProgress);
            }

            var last = offset + chunk == data.Length;
            var flags = last && endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
            await WriteFrameInternalAsync(Http2FrameType.Data, flags, stream.StreamId, data.Slice(offset, chunk), null, cancellationToken);
            offset += chunk;
            if (last && endStream)
            {
                lock (Sync)
                {
                    stream.LocalEnded = true;
                }
            }
        }
        while (offset < data.Length);
    }

    // ------------------------------------------------------------------ control frames

    /// <summary>Sends a PRIORITY frame (RFC 7540 6.3) for any stream, including idle ones. Weight 1..256.</summary>
    public Task SendPriorityAsync(int streamId, int dependsOn, int weight, bool exclusive = false, CancellationToken ct = default)
    {
        ValidateWeight(weight);
        var payload = new byte[5];
        WritePriorityFields(payload, dependsOn, weight, exclusive);
        return WriteFrameInternalAsync(Http2FrameType.Priority, 0, streamId, payload,
            string.Create(CultureInfo.InvariantCulture, $"dep={dependsOn} weight={weight} exclusive={exclusive}"), ct);
    }

    /// <summary>Sends a PRIORITY_UPDATE frame (RFC 9218, type 0x10) on stream 0, e.g. <c>"u=1, i"</c>.</summary>
    public Task SendPriorityUpdateAsync(int prioritizedStreamId, string priorityFieldValue, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(priorityFieldValue);
        var value = Encoding.ASCII.GetBytes(priorityFieldValue);
        var payload = new byte[4 + value.Length];
        BinaryPrimitives.WriteInt32BigEndian(payload, prioritizedStreamId & int.MaxValue);
        value.CopyTo(payload, 4);
        return WriteFrameInternalAsync(Http2FrameType.PriorityUpdate, 0, 0, payload,
            string.Create(CultureInfo.InvariantCulture, $"prioritized={prioritizedStreamId} \"{priorityFieldValue}\""), ct);
    }

    /// <summary>Sends RST_STREAM; the stream (if known) completes with <see cref="RawHttp2Response.ResetCode"/> set and <see cref="RawHttp2Stream.ResetByClient"/>.</summary>
    public async Task SendRstStreamAsync(int streamId, Http2ErrorCode errorCode, CancellationToken ct = default)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)errorCode);
        var sequence = await WriteFrameInternalAsync(Http2FrameType.RstStream, 0, streamId, payload, errorCode.ToString(), ct);
        lock (Sync)
        {
            if (_streams.TryGetValue(streamId, out var s))
            {
                s.OnReset(errorCode, Stopwatch.GetTimestamp(), sequence, byClient: true);
            }
        }
    }

    /// <summary>Sends a PING and returns the round-trip time when the ACK arrives.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken ct = default)
    {
        var tcs = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        long opaque;
        lock (Sync)
        {
            opaque = ++_pingCounter;
            _pings[opaque] = (tcs, Stopwatch.GetTimestamp());
        }

        var payload = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, opaque);
        await WriteFrameInternalAsync(Http2FrameType.Ping, 0, 0, payload, null, ct);
        return await WaitAsync(tcs.Task, null, ct, "a PING ACK", () => "");
    }

    /// <summary>Sends GOAWAY.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Both overloads are part of the 0.2 baseline; the rule guards adding optional parameters to released overloads later.")]
    public Task SendGoAwayAsync(int lastStreamId, Http2ErrorCode errorCode, CancellationToken ct = default) =>
        SendGoAwayAsync(lastStreamId, errorCode, ReadOnlyMemory<byte>.Empty, ct);

    /// <summary>Sends GOAWAY with debug data.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Both overloads are part of the 0.2 baseline; the rule guards adding optional parameters to released overloads later.")]
    public Task SendGoAwayAsync(int lastStreamId, Http2ErrorCode errorCode, ReadOnlyMemory<byte> debugData, CancellationToken ct = default)
    {
        var payload = new byte[8 + debugData.Length];
        BinaryPrimitives.WriteInt32BigEndian(payload, lastStreamId & int.MaxValue);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), (uint)errorCode);
        debugData.Span.CopyTo(payload.AsSpan(8));
        return WriteFrameInternalAsync(Http2FrameType.GoAway, 0, 0, payload, errorCode.ToString(), ct);
    }

    /// <summary>Sends WINDOW_UPDATE (for tests that turn off <see cref="RawHttp2ClientOptions.AutoWindowUpdate"/>).</summary>
    public Task SendWindowUpdateAsync(int streamId, int increment, CancellationToken ct = default)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, increment);
        return WriteFrameInternalAsync(Http2FrameType.WindowUpdate, 0, streamId, payload, "increment=" + increment.ToString(CultureInfo.InvariantCulture), ct);
    }

    /// <summary>Sends a SETTINGS frame (not an ACK) with the given values.</summary>
    public Task SendSettingsAsync(Http2Settings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return WriteFrameInternalAsync(Http2FrameType.Settings, 0, 0, BuildSettingsPayload(settings), settings.ToString(), ct);
    }

    /// <summary>
    /// Writes one frame exactly as given (any type, flags, stream id and payload, valid or not). A HEADERS frame on a new
    /// odd stream id starts tracking that stream (see <see cref="GetStream"/>). Use an <see cref="HpackEncoder"/> with
    /// <see cref="HpackEncoder.UseDynamicTable"/> false to build header blocks, so the connection's HPACK state stays in sync.
    /// </summary>
    public Task WriteFrameAsync(byte type, byte flags, int streamId, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        if (type == (byte)Http2FrameType.Headers && (streamId & 1) == 1)
        {
            TrackStream(streamId);
        }

        return WriteFrameInternalAsync((Http2FrameType)type, flags, streamId, payload, "raw", ct);
    }

    /// <summary>Writes bytes to the connection as they are (no framing, not logged) — for malformed-input tests.</summary>
    public async Task WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct = default)
    {
        await AcquireWriteLockAsync(ct, "the write lock to write raw bytes");
        try
        {
            await WriteBytesLockedAsync(bytes, ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // ------------------------------------------------------------------ waits

    /// <summary>Waits for a GOAWAY from the server; fails with the frames received when the connection closes without one or the time runs out.</summary>
    public Task<GoAwayInfo> WaitForGoAwayAsync(TimeSpan timeout) =>
        WaitAsync(_goAwayReceived.Task, timeout, CancellationToken.None, "GOAWAY from the server", () => "");

    /// <summary>Waits until the server closes the connection (or it fails).</summary>
    public Task WaitForConnectionCloseAsync(TimeSpan timeout) =>
        WaitAsync(_closed.Task, timeout, CancellationToken.None, "the server to close the connection", () => "");

    /// <summary>Waits for the server's SETTINGS ACK of the client's SETTINGS.</summary>
    public Task WaitForSettingsAckAsync(TimeSpan? timeout = null) =>
        WaitAsync(_settingsAcknowledged.Task, timeout, CancellationToken.None, "the server's SETTINGS ACK", () => "");

    /// <summary>The last <paramref name="count"/> frames of the log, one per line.</summary>
    public string DescribeRecentFrames(int? count = null)
    {
        lock (Sync)
        {
            var n = count ?? Options.FramesInErrorMessages;
            if (_log.Count == 0)
            {
                return "  (no frames)";
            }

            var skip = Math.Max(0, _log.Count - n);
            var lines = _log.Skip(skip).Select(f => "  " + f);
            return (skip > 0 ? "  ... " + skip.ToString(CultureInfo.InvariantCulture) + " earlier frame(s)\n" : "") + string.Join("\n", lines);
        }
    }

    internal async Task<T> WaitAsync<T>(Task<T> task, TimeSpan? timeout, CancellationToken ct, string awaited, Func<string> progress)
    {
        var limit = timeout ?? Options.Timeout;
        try
        {
            return await task.WaitAsync(limit, ct);
        }
        catch (TimeoutException)
        {
            throw new RawHttp2Exception(DescribeFailure($"Timed out after {limit.TotalSeconds:F1} s waiting for {awaited}", progress));
        }
        catch (RawHttp2Exception ex) when (!ReferenceEquals(ex.Data["awaited"], awaited))
        {
            var wrapped = new RawHttp2Exception(DescribeFailure($"Failed waiting for {awaited}: {ex.Message}", progress), ex);
            wrapped.Data["awaited"] = awaited;
            throw wrapped;
        }
    }

    internal async Task WaitAsync(Task task, TimeSpan? timeout, CancellationToken ct, string awaited, Func<string> progress)
    {
        await WaitAsync(Wrap(task), timeout, ct, awaited, progress);

        static async Task<bool> Wrap(Task t)
        {
            await t;
            return true;
        }
    }

    private string DescribeFailure(string headline, Func<string> progress)
    {
        var sb = new StringBuilder(headline.TrimEnd('.'));
        sb.Append('.');
        var p = progress();
        if (p.Length > 0)
        {
            sb.Append(' ').Append(p.TrimEnd('.')).Append('.');
        }

        lock (Sync)
        {
            if (_goAway is { } g)
            {
                sb.Append(' ').Append(g).Append('.');
            }

            if (_connectionError is { } e && _closed.Task.IsCompleted)
            {
                sb.Append(" Connection ended: ").Append(e.Message);
            }
        }

        sb.Append("\nLast frames (<- received, -> sent):\n").Append(DescribeRecentFrames());
        return sb.ToString();
    }

    internal TimeSpan ElapsedSince(long timestamp) => Stopwatch.GetElapsedTime(_startTimestamp, timestamp);

    /// <summary>Closes the connection (without GOAWAY) and stops the reader.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposeCts.CancelAsync();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by the server.
        }
        catch (ObjectDisposedException)
        {
        }

        await _stream.DisposeAsync();
        _socket.Dispose();
        await _readLoop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _disposeCts.Dispose();
        _writeLock.Dispose();
    }
}
