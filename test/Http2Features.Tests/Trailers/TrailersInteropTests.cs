// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using FluentAssertions;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Tests.Trailers;

/// <summary>Independent HTTP/2 peers see the trailers: python h2 (TrailersReceived) and nghttp -v.</summary>
public class TrailersInteropTests
{
    private const string Python = "/usr/bin/python3";

    // Python h2 client: one GET, prints the events, headers, trailers and its own digests of the body as JSON.
    private const string H2ClientScript = """
        import base64, hashlib, json, socket, ssl, sys
        import h2.config, h2.connection, h2.events
        host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        sock = ctx.wrap_socket(socket.create_connection((host, port), timeout=10), server_hostname="localhost")
        assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        conn.initiate_connection()
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", f"{host}:{port}")], end_stream=True)
        sock.sendall(conn.data_to_send())
        out = {"events": [], "headers": {}, "trailers": {}}
        body = bytearray()
        done = False
        while not done:
            data = sock.recv(65536)
            if not data:
                break
            for ev in conn.receive_data(data):
                out["events"].append(type(ev).__name__)
                if isinstance(ev, h2.events.ResponseReceived):
                    out["headers"] = dict(ev.headers)
                elif isinstance(ev, h2.events.DataReceived):
                    body += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.TrailersReceived):
                    out["trailers"] = dict(ev.headers)
                elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                    done = True
            sock.sendall(conn.data_to_send())
        out["length"] = len(body)
        out["md5"] = hashlib.md5(body).hexdigest()
        out["sha256"] = base64.b64encode(hashlib.sha256(body).digest()).decode()
        print(json.dumps(out))
        """;

    private static async Task<Http2Features.Testing.Http2TestApp> StartAppAsync(byte[] body) =>
        await TrailersApp.StartAsync(app => app.MapGet("/data", async (HttpResponse response) =>
        {
            response.AnnounceTrailers("x-rows");
            await response.Body.WriteAsync(body);
            await response.SendTrailersAsync("x-rows", "3");
        }).WithChecksumTrailers(ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha256));

    [Fact]
    public async Task Python_h2_receives_TrailersReceived_with_digests_it_verifies_itself()
    {
        if (!File.Exists(Python) || (await RunAsync(Python, ["-c", "import h2"])).ExitCode != 0)
        {
            Assert.Skip("python h2 is not available: install the Debian package python3-h2");
        }

        var body = ChecksumTrailerTests.Body(200_000, seed: 5);
        await using var server = await StartAppAsync(body);
        var script = Path.Combine(Path.GetTempPath(), $"h2-trailers-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, H2ClientScript);
        try
        {
            var run = await RunAsync(Python, [script, "127.0.0.1", server.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "/data"]);
            run.ExitCode.Should().Be(0, run.StdErr);

            using var json = JsonDocument.Parse(run.StdOut);
            var root = json.RootElement;
            var events = root.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ToList();
            events.Should().Contain("TrailersReceived");
            events.IndexOf("TrailersReceived").Should().BeGreaterThan(events.LastIndexOf("DataReceived"), "trailers follow the body");
            root.GetProperty("length").GetInt32().Should().Be(body.Length);
            var trailers = root.GetProperty("trailers");
            trailers.GetProperty("content-md5").GetString().Should().Be(root.GetProperty("md5").GetString());
            trailers.GetProperty("repr-digest").GetString().Should().Be($"sha-256=:{root.GetProperty("sha256").GetString()}:");
            trailers.GetProperty("x-rows").GetString().Should().Be("3");
            root.GetProperty("headers").GetProperty("trailer").GetString().Should().Be("x-rows, content-md5, repr-digest");
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task Nghttp_shows_the_trailers_in_a_HEADERS_frame_with_END_STREAM_after_the_data()
    {
        if (!File.Exists("/usr/bin/nghttp"))
        {
            Assert.Skip("nghttp is not installed: install the Debian package nghttp2-client");
        }

        var body = ChecksumTrailerTests.Body(50_000, seed: 6);
        await using var server = await StartAppAsync(body);

        var run = await RunAsync("/usr/bin/nghttp", ["-v", "-n", new Uri(server.BaseAddress, "/data").ToString()]);
        run.ExitCode.Should().Be(0, run.StdErr);

        var lines = run.StdOut.Split('\n');
        // nghttp numbers its request stream after its own idle priority streams; read the id from the HEADERS it sent.
        var sent = lines.First(l => l.Contains("send HEADERS frame", StringComparison.Ordinal));
        var streamId = System.Text.RegularExpressions.Regex.Match(sent, @"stream_id=(\d+)").Groups[1].Value;
        var lastData = Array.FindLastIndex(lines, l => l.Contains("recv DATA frame", StringComparison.Ordinal));
        var digestLine = Array.FindIndex(lines, l => l.Contains($"recv (stream_id={streamId}) repr-digest:", StringComparison.Ordinal));
        lastData.Should().BeGreaterThan(0, run.StdOut);
        digestLine.Should().BeGreaterThan(lastData, "the trailers come after the last DATA frame:\n" + run.StdOut);
        lines[digestLine].Should().EndWith($"repr-digest: sha-256=:{Convert.ToBase64String(SHA256.HashData(body))}:");
#pragma warning disable CA5351 // recomputing content-md5
        lines.Should().Contain(l => l.EndsWith($"recv (stream_id={streamId}) content-md5: {Convert.ToHexStringLower(MD5.HashData(body))}", StringComparison.Ordinal));
#pragma warning restore CA5351
        lines.Skip(lastData).Should().Contain(l => l.Contains("recv HEADERS frame", StringComparison.Ordinal)
            && l.Contains($"stream_id={streamId}>", StringComparison.Ordinal));
        lines.Skip(lastData).Should().Contain(l => l.Contains("; END_STREAM | END_HEADERS", StringComparison.Ordinal));
    }

    private static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
