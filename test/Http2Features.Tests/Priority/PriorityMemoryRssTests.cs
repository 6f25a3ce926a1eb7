using Http2Features.Tests.Connection;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using FluentAssertions;
using Http2Features.Testing;

namespace Http2Features.Tests.Priority;

/// <summary>
/// Issue 12's memory bound at full size, in separate processes so RSS is each server's own: the load app
/// (bench/Http2Features.LoadApp) with the pack and as bare Kestrel, <c>MaxStreamsPerConnection = 100000</c>
/// (gunicorn's http2_max_concurrent_streams), 100 TLS connections that each send 70,000 PRIORITY frames for
/// distinct idle streams and stay open. The pack's RSS growth stays within 1.5x of bare Kestrel's.
/// bench/priority-memory.sh is the same measurement from the shell.
/// </summary>
public class PriorityMemoryRssTests
{
    private const int Connections = 100;
    private const int FramesPerConnection = 70_000;
    private const int MaxStreams = 100_000;

    [Fact]
    public async Task Hundred_connections_of_70000_PRIORITY_frames_grow_RSS_within_1_5x_of_bare_Kestrel()
    {
        var frames = FrameBytes.IdleStreamPriorityFlood(FramesPerConnection);
        var started = Stopwatch.GetTimestamp();

        // One server at a time: the two runs must not compete for the 2 cores or for memory.
        var bare = await MeasureGrowthAsync("off", frames);
        var pack = await MeasureGrowthAsync("on", frames);

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Connections} x {FramesPerConnection} PRIORITY frames, MaxStreamsPerConnection {MaxStreams}: RSS growth bare {bare / 1024} KiB, pack {pack / 1024} KiB, pack/bare {(double)pack / bare:F2} ({Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s)"));
        bare.Should().BeGreaterThan(4L << 20, "100 open TLS connections cost bare Kestrel megabytes; less means the connections were not held");
        pack.Should().BeLessThanOrEqualTo(bare * 3 / 2, $"the pack grew RSS by {pack / 1024} KiB against bare Kestrel's {bare / 1024} KiB");
    }

    private static async Task<long> MeasureGrowthAsync(string mode, byte[] frames)
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = LoadAppProcess.Start(mode, MaxStreams);
        await using var probe = await server.ConnectAsync(ct);
        probe.ServerSettings.MaxConcurrentStreams.Should().Be(MaxStreams, $"{mode}: the app must apply the stream limit, or the comparison is at the default 100");
        for (var i = 0; i < 3; i++)
        {
            (await probe.GetAsync("/", ct)).Status.Should().Be(200);
        }

        var before = await LoadAppProcess.RssAsync(probe, ct);
        var clients = await Task.WhenAll(Enumerable.Range(0, Connections).Select(async _ =>
        {
            var client = await server.ConnectAsync(ct);
            await client.WriteRawAsync(frames, ct);
            await client.PingAsync(ct); // the ACK comes after Kestrel read every frame
            return client;
        }));
        try
        {
            var after = await LoadAppProcess.RssAsync(probe, ct);
            (await clients[^1].GetAsync("/", ct)).Status.Should().Be(200, $"{mode}: the connections still serve");
            clients.Should().OnlyContain(c => c.GoAway == null, $"{mode}: Kestrel accepts PRIORITY for idle streams");
            return after - before;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>The load app in its own process (its build output is copied next to the tests).</summary>
    private sealed class LoadAppProcess : IDisposable
    {
        private readonly Process _process;
        private readonly int _port;

        private LoadAppProcess(Process process, int port)
        {
            _process = process;
            _port = port;
        }

        public static LoadAppProcess Start(string mode, int maxStreams)
        {
            var port = ExternalTool.FreeLoopbackPort();
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Http2Features.LoadApp.dll"), port.ToString(CultureInfo.InvariantCulture), mode },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["Kestrel__Limits__Http2__MaxStreamsPerConnection"] = maxStreams.ToString(CultureInfo.InvariantCulture);
            start.Environment["DOTNET_gcServer"] = "0"; // both alike, and the footprint of one small app
            var process = Process.Start(start)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new LoadAppProcess(process, port);
        }

        public async Task<RawHttp2Client> ConnectAsync(CancellationToken ct)
        {
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
            while (true)
            {
                try
                {
                    return await RawHttp2Client.ConnectAsync(new Uri($"https://127.0.0.1:{_port}/"), new RawHttp2ClientOptions { Timeout = TimeSpan.FromSeconds(120) }, ct);
                }
                catch (RawHttp2Exception ex) when (ex.InnerException is SocketException && !_process.HasExited && Stopwatch.GetTimestamp() < deadline)
                {
                    // Not listening yet: the app is still starting.
                    await Task.Delay(100, ct);
                }
            }
        }

        public static async Task<long> RssAsync(RawHttp2Client client, CancellationToken ct)
        {
            var response = await client.GetAsync("/_rss", ct);
            response.Status.Should().Be(200);
            return long.Parse(response.BodyText, CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
