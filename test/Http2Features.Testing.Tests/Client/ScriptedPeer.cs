using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Http2Features.Testing.Tests.Client;

/// <summary>
/// A scripted HTTP/2 server on 127.0.0.1 that writes exactly the bytes a test gives it — for the hostile or broken
/// server behaviour no real server produces on purpose (the client's error paths).
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private TcpClient? _accepted;

    public ScriptedPeer() => _listener.Start();

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public NetworkStream Stream => _accepted?.GetStream() ?? throw new InvalidOperationException("No connection accepted yet.");

    /// <summary>Accepts the client, reads its preface and SETTINGS, optionally answers with SETTINGS.</summary>
    public async Task AcceptAsync(bool sendSettings = true)
    {
        _accepted = await _listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var preface = new byte[24];
        await Stream.ReadExactlyAsync(preface).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await ReadFrameAsync();
        if (sendSettings)
        {
            await WriteFrameAsync(Http2FrameType.Settings, 0, 0, []);
        }
    }

    public async Task<(Http2FrameType Type, byte Flags, int StreamId, byte[] Payload)> ReadFrameAsync()
    {
        var header = new byte[9];
        await Stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        var payload = new byte[length];
        await Stream.ReadExactlyAsync(payload).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return ((Http2FrameType)header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue, payload);
    }

    /// <summary>Reads frames until one of this type arrives.</summary>
    public async Task<(Http2FrameType Type, byte Flags, int StreamId, byte[] Payload)> ReadUntilAsync(Http2FrameType type)
    {
        while (true)
        {
            var frame = await ReadFrameAsync();
            if (frame.Type == type)
            {
                return frame;
            }
        }
    }

    public async Task WriteFrameAsync(Http2FrameType type, byte flags, int streamId, byte[] payload, int? declaredLength = null)
    {
        var frame = new byte[9 + payload.Length];
        var length = declaredLength ?? payload.Length;
        frame[0] = (byte)(length >> 16);
        frame[1] = (byte)(length >> 8);
        frame[2] = (byte)length;
        frame[3] = (byte)type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, 9);
        await Stream.WriteAsync(frame);
    }

    public void CloseConnection() => _accepted?.Close();

    public ValueTask DisposeAsync()
    {
        _accepted?.Dispose();
        _listener.Stop();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
