using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Http2Features.Tests.EarlyHints.Automatic;

/// <summary>
/// Headless Debian Chromium driven over the DevTools protocol (a WebSocket, no extra package). The server certificate
/// is trusted by its SPKI hash with a throw-away profile, so the HTTP cache stays on (DESIGN.md: with
/// <c>--ignore-certificate-errors</c> preloads would be fetched twice).
/// </summary>
internal sealed class ChromiumDevTools : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ClientWebSocket _socket;
    private readonly string _profile;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly SemaphoreSlim _eventArrived = new(0);
    private int _nextId;

    private ChromiumDevTools(Process process, ClientWebSocket socket, string profile)
    {
        _process = process;
        _socket = socket;
        _profile = profile;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Every event received, in order, with the time this process read it.</summary>
    public ConcurrentQueue<DevToolsEvent> Events { get; } = new();

    public static string? Find() =>
        File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : ExternalTool.Find("chromium");

    public static string SpkiHash(X509Certificate2 certificate) =>
        Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    public static async Task<ChromiumDevTools> LaunchAsync(string chromium, X509Certificate2 trusted, CancellationToken cancellationToken)
    {
        var profile = Directory.CreateTempSubdirectory("http2features-chromium-").FullName;
        var psi = new ProcessStartInfo(chromium)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--remote-debugging-port=0", "--user-data-dir=" + profile,
            "--ignore-certificate-errors-spki-list=" + SpkiHash(trusted),
            "about:blank",
        })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start " + chromium);
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        // Chromium writes the port and the browser target's path to DevToolsActivePort once it listens.
        var portFile = Path.Combine(profile, "DevToolsActivePort");
        var deadline = Stopwatch.StartNew();
        string[]? lines = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                break;
            }

            if (File.Exists(portFile) && File.ReadAllLines(portFile) is { Length: >= 2 } read)
            {
                lines = read;
                break;
            }

            await Task.Delay(50, cancellationToken);
        }

        if (lines is null)
        {
            var exited = process.HasExited;
            Kill(process);
            lock (stderr)
            {
                throw new InvalidOperationException($"Chromium did not open its DevTools port (exited: {exited}). stderr:\n{stderr}");
            }
        }

        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0].Trim()}{lines[1].Trim()}"), cancellationToken);
        return new ChromiumDevTools(process, socket, profile);
    }

    /// <summary>Opens a tab and attaches to it (flat mode): the returned session id addresses its commands.</summary>
    public async Task<string> OpenTabAsync(CancellationToken cancellationToken)
    {
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, null, cancellationToken);
        var attached = await SendAsync("Target.attachToTarget", new JsonObject
        {
            ["targetId"] = target.GetProperty("targetId").GetString(),
            ["flatten"] = true,
        }, null, cancellationToken);
        return attached.GetProperty("sessionId").GetString()!;
    }

    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters, string? sessionId, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _send.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }

        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }

    /// <summary>Waits for an event that matches, among those received from <paramref name="fromIndex"/> on.</summary>
    public async Task<DevToolsEvent> WaitForEventAsync(int fromIndex, Func<DevToolsEvent, bool> match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var found = Events.Skip(fromIndex).FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("No matching DevTools event within " + timeout + ". Received: " +
                    string.Join(", ", Events.Skip(fromIndex).Select(e => e.Method)));
            }

            await _eventArrived.WaitAsync(left, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or ObjectDisposedException or OperationCanceledException)
        {
        }

        Kill(_process);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException)
        {
        }

        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
        _send.Dispose();
        _eventArrived.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(buffer, _stop.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                break;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            var received = Stopwatch.GetTimestamp();
            using (var document = JsonDocument.Parse(message.ToArray()))
            {
                var root = document.RootElement.Clone();
                if (root.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var reply))
                {
                    if (root.TryGetProperty("error", out var error))
                    {
                        reply.TrySetException(new InvalidOperationException("DevTools error: " + error));
                    }
                    else
                    {
                        reply.TrySetResult(root.GetProperty("result"));
                    }
                }
                else if (root.TryGetProperty("method", out var method))
                {
                    Events.Enqueue(new DevToolsEvent(
                        method.GetString()!,
                        root.TryGetProperty("params", out var p) ? p : default,
                        root.TryGetProperty("sessionId", out var s) ? s.GetString() : null,
                        received));
                    _eventArrived.Release();
                }
            }

            message.SetLength(0);
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new InvalidOperationException("The DevTools connection closed."));
        }
    }
}

/// <summary>One DevTools event: its method, parameters, session and when this process read it (Stopwatch ticks).</summary>
internal sealed record DevToolsEvent(string Method, JsonElement Params, string? SessionId, long ReceivedAt)
{
    public string? Url =>
        Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty("request", out var r) ? r.GetProperty("url").GetString()
        : Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty("response", out var s) ? s.GetProperty("url").GetString()
        : null;

    public string? RequestId => Params.ValueKind == JsonValueKind.Object && Params.TryGetProperty("requestId", out var id) ? id.GetString() : null;

    /// <summary>The browser's monotonic time of the event in seconds (Network.* events carry it).</summary>
    public double Timestamp => Params.TryGetProperty("timestamp", out var t) ? t.GetDouble() : double.NaN;
}
