using System.Runtime.CompilerServices;
using Http2Features.Testing;

namespace Http2Features.Tests.Scheduling;

/// <summary>
/// A raw HTTP/2 client whose connection window the test opens by hand: the server can only send what the
/// test grants, so response data stays inside Kestrel (where the scheduler sees it as "ready") and the order
/// in which streams are served shows in the received frames, without timing.
/// </summary>
internal static class FlowControlledClient
{
    public const int Step = SchedulingTestApp.Chunk;
    private const int InitialConnectionWindow = 65_535;
    private static readonly ConditionalWeakTable<RawHttp2Client, StrongBox<long>> Granted = new();

    public static Task<RawHttp2Client> ConnectAsync(Http2TestApp app) =>
        app.CreateRawClientAsync(new RawHttp2ClientOptions
        {
            AutoWindowUpdate = false,
            ClientSettings = new Http2Settings { EnablePush = 0, InitialWindowSize = 16 * 1024 * 1024 },
            Timeout = TimeSpan.FromSeconds(30),
        });

    public static RawHttp2Request Get(string path, string? priority = null, Http2PriorityData? rfc7540 = null)
    {
        var request = new RawHttp2Request("GET", path) { Priority = rfc7540 };
        if (priority is not null)
        {
            request.WithHeader("priority", priority);
        }

        return request;
    }

    /// <summary>DATA payload bytes received on the connection so far.</summary>
    public static long ReceivedData(RawHttp2Client client) =>
        client.ReceivedFrames.Where(f => f.Type == Http2FrameType.Data).Sum(f => (long)f.Length);

    /// <summary>Waits until <paramref name="condition"/> holds (polled; the condition is the synchronisation, not the delay).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what + ".");
            }

            await Task.Delay(2, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until the server used up the initial 65,535-byte connection window.</summary>
    public static Task WaitForWindowUsedAsync(RawHttp2Client client) =>
        WaitUntilAsync(() => ReceivedData(client) >= InitialConnectionWindow, "the initial connection window is used");

    /// <summary>
    /// Opens the connection window <see cref="Step"/> bytes at a time, each step once the server used the
    /// previous one, until every stream in <paramref name="streams"/> ended.
    /// </summary>
    public static async Task DripAsync(RawHttp2Client client, params RawHttp2Stream[] streams)
    {
        var total = Granted.GetValue(client, _ => new StrongBox<long>(InitialConnectionWindow));
        var granted = total.Value;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!streams.All(s => s.IsCompleted))
        {
            if (ReceivedData(client) >= granted)
            {
                granted += Step;
                total.Value = granted;
                await client.SendWindowUpdateAsync(0, Step, TestContext.Current.CancellationToken);
                continue;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Streams did not complete: " + string.Join("; ", streams.Select(s => s.ToString())));
            }

            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// DATA bytes of <paramref name="other"/> received between <paramref name="stream"/>'s first and last
    /// non-empty DATA frames (its empty END_STREAM frame may trail once its app returned).
    /// </summary>
    public static long InterleavedBytes(RawHttp2Client client, int stream, int other)
    {
        var frames = client.ReceivedFrames.Where(f => f.Type == Http2FrameType.Data).ToList();
        var first = frames.FindIndex(f => f.StreamId == stream && f.Length > 0);
        var last = frames.FindLastIndex(f => f.StreamId == stream && f.Length > 0);
        return first < 0 ? 0 : frames.Skip(first).Take(last - first + 1).Where(f => f.StreamId == other).Sum(f => (long)f.Length);
    }

    /// <summary>Stream ids in the order their last non-empty DATA frame arrived (the body's last byte).</summary>
    public static IReadOnlyList<int> CompletionOrder(RawHttp2Client client)
    {
        var frames = client.ReceivedFrames.Where(f => f.Type == Http2FrameType.Data && f.Length > 0).ToList();
        return frames.Select(f => f.StreamId).Distinct()
            .OrderBy(id => frames.FindLastIndex(f => f.StreamId == id))
            .ToList();
    }

    /// <summary>Whether <paramref name="later"/>'s first body byte came after <paramref name="earlier"/>'s last one.</summary>
    public static bool ServedAfter(RawHttp2Client client, int later, int earlier)
    {
        var frames = client.ReceivedFrames.Where(f => f.Type == Http2FrameType.Data && f.Length > 0).ToList();
        return frames.FindIndex(f => f.StreamId == later) > frames.FindLastIndex(f => f.StreamId == earlier);
    }
}
