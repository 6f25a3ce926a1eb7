using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;
using Http2Features.Testing;
using Http2Features.TestSupport;

namespace Http2Features.Tests.Scheduling;

/// <summary>
/// Independent HTTP/2 clients on one connection to a scheduling server: nghttp (nghttp2's client) with RFC 7540 weights
/// and the priority header, and python-hyper's h2 with the RFC 9218 priority header.
/// </summary>
public partial class SchedulingInteropTests
{
    private static readonly string[] Candidates = ["/usr/bin/nghttp", "/usr/local/bin/nghttp"];

    // python h2 opens the connection window by hand, 16 KiB at a time once the server used the previous grant, so the
    // server's choice of the next stream shows in the DATA frame order rather than in timings. Stream 1: a u=7 download
    // of 64 chunks that fills the initial 65,535-byte window; then stream 3: u=0, 8 chunks, sent once the window is used.
    // Prints one "stream_id length" line per DATA frame, in arrival order.
    private const string FlowControlledScript = """
        import socket, ssl, sys
        import h2.config, h2.connection, h2.events, h2.settings
        port, cafile, bulk, urgent = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.check_hostname = False
        ctx.set_alpn_protocols(["h2"])
        sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30), server_hostname="localhost")
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 16 * 1024 * 1024, h2.settings.SettingCodes.ENABLE_PUSH: 0})
        def request(stream_id, path, priority):
            conn.send_headers(stream_id, [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", "localhost"), ("priority", priority)], end_stream=True)
            sock.sendall(conn.data_to_send())
        frames, ended, headers, received = [], set(), set(), 0
        def pump():
            global received
            data = sock.recv(65535)
            if not data:
                raise SystemExit("connection closed; frames so far: %r" % frames)
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.DataReceived) and event.flow_controlled_length > 0:
                    frames.append((event.stream_id, len(event.data)))
                    received += event.flow_controlled_length
                elif isinstance(event, h2.events.ResponseReceived):
                    headers.add(event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    ended.add(event.stream_id)
                elif isinstance(event, h2.events.StreamReset):
                    raise SystemExit("stream %d reset" % event.stream_id)
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
        request(1, bulk, "u=7")
        while received < 65535:
            pump()
        request(3, urgent, "u=0")
        while 3 not in headers:
            pump()
        granted = 65535
        while ended != {1, 3}:
            if received >= granted and ended != {1, 3}:
                conn.increment_flow_control_window(16384)
                sock.sendall(conn.data_to_send())
                granted += 16384
            pump()
        for stream_id, length in frames:
            print(stream_id, length)
        """;

    [Fact]
    public async Task Nghttp_gets_a_weight_1_download_and_a_weight_256_response_intact_on_one_scheduled_connection()
    {
        var nghttp = Candidates.FirstOrDefault(File.Exists);
        if (nghttp is null)
        {
            Assert.Skip("nghttp is not installed: install the Debian package nghttp2-client.");
        }

        await using var test = await SchedulingTestApp.StartAsync(configure: o =>
        {
            o.IdleTimeout = TimeSpan.FromMilliseconds(10);
            o.StallTimeout = TimeSpan.FromMilliseconds(250);
            o.MaxHoldBack = TimeSpan.FromSeconds(1);
        });
        var psi = new ProcessStartInfo(nghttp) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-y", "-n", "-v", "--no-dep", "-p", "1", "-p", "256", "-H", "priority: u=3" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add(new Uri(test.App.BaseAddress, SchedulingTestApp.Path(64)).ToString());
        psi.ArgumentList.Add(new Uri(test.App.BaseAddress, SchedulingTestApp.Path(8)).ToString());
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        process.ExitCode.Should().Be(0, await stderr);

        // Sum the DATA payload nghttp received per stream (streams 13 and 15: nghttp opens 1-11 as anchors
        // unless --no-dep; with it, the two requests are streams 1 and 3).
        var received = new Dictionary<int, long>();
        foreach (Match m in DataFrame().Matches(await stdout))
        {
            var id = int.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture);
            received[id] = received.GetValueOrDefault(id) + long.Parse(m.Groups["len"].Value, CultureInfo.InvariantCulture);
        }

        received.Values.Order().Should().Equal(8L * SchedulingTestApp.Chunk, 64L * SchedulingTestApp.Chunk);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Python_h2_gets_an_urgent_response_ahead_of_a_running_download_only_when_scheduling_is_on(bool scheduling)
    {
        await ExternalTool.RequirePythonH2Async();
        await using var test = await SchedulingTestApp.StartAsync(enabled: scheduling);
        var cafile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"h2f-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(cafile, TestCertificates.ExportCertificatePem(test.App.Certificate), TestContext.Current.CancellationToken);
        try
        {
            var run = await ExternalTool.RunAsync(ExternalTool.Python,
                ["-c", FlowControlledScript, test.App.BaseAddress.Port.ToString(CultureInfo.InvariantCulture), cafile, SchedulingTestApp.Path(64), SchedulingTestApp.Path(8)],
                TimeSpan.FromSeconds(60));
            run.ExitCode.Should().Be(0, run.ToString());
            var stdout = run.Stdout;

            var frames = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' ') is [var id, var length]
                    ? (Stream: int.Parse(id, CultureInfo.InvariantCulture), Length: int.Parse(length, CultureInfo.InvariantCulture))
                    : throw new FormatException(line))
                .ToList();
            frames.Where(f => f.Stream == 1).Sum(f => f.Length).Should().Be(64 * SchedulingTestApp.Chunk);
            frames.Where(f => f.Stream == 3).Sum(f => f.Length).Should().Be(8 * SchedulingTestApp.Chunk);

            // Download bytes that arrived while the urgent body was under way (between its first and last DATA frame).
            var first = frames.FindIndex(f => f.Stream == 3);
            var last = frames.FindLastIndex(f => f.Stream == 3);
            var interleaved = frames.Skip(first).Take(last - first + 1).Where(f => f.Stream == 1).Sum(f => (long)f.Length);
            if (scheduling)
            {
                // Only what the download already had inside Kestrel goes beside it (see ResponseSchedulingTests).
                interleaved.Should().BeLessThanOrEqualTo(2 * SchedulingTestApp.Chunk, stdout);
                frames.FindLastIndex(f => f.Stream == 3).Should().BeLessThan(frames.FindLastIndex(f => f.Stream == 1), "the urgent response finishes first");
            }
            else
            {
                interleaved.Should().BeGreaterThan(4 * SchedulingTestApp.Chunk, "without scheduling Kestrel shares the link between the two: " + stdout);
            }
        }
        finally
        {
            File.Delete(cafile);
        }
    }

    [GeneratedRegex(@"recv DATA frame <length=(?<len>\d+), flags=0x[0-9a-f]+, stream_id=(?<id>\d+)>")]
    private static partial Regex DataFrame();
}
