using System.Diagnostics;
using FluentAssertions;
using Http2Features.Testing;
using Http2Features.Tests.Priority;

namespace Http2Features.Tests.Interop;

/// <summary>python-hyper's h2 (an independent HTTP/2 stack) sends PRIORITY and HEADERS priority; the app sees them.</summary>
public class PythonH2PriorityTests
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import socket, ssl, sys
        import h2.config, h2.connection, h2.events
        port, cafile = int(sys.argv[1]), sys.argv[2]
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.check_hostname = False
        ctx.set_alpn_protocols(["h2"])
        sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=15), server_hostname="localhost")
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        conn.prioritize(3, weight=77, depends_on=0, exclusive=False)
        base = [(":method", "GET"), (":path", "/"), (":scheme", "https"), (":authority", "localhost")]
        conn.send_headers(1, base + [("priority", "u=2, i")], end_stream=True, priority_weight=200, priority_depends_on=0, priority_exclusive=True)
        conn.send_headers(3, base, end_stream=True)
        sock.sendall(conn.data_to_send())
        bodies, ended = {1: b"", 3: b""}, set()
        while len(ended) < 2:
            data = sock.recv(65535)
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    bodies[event.stream_id] += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    ended.add(event.stream_id)
            sock.sendall(conn.data_to_send())
        print(bodies[1].decode())
        print(bodies[3].decode())
        """;

    [Fact]
    public async Task Python_h2_priority_signals_are_visible_to_the_app()
    {
        await RequirePythonH2Async();
        await using var app = await PriorityTestApp.StartAsync();
        var cafile = Path.Combine(Path.GetTempPath(), $"h2f-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(cafile, TestCertificates.ExportCertificatePem(app.Certificate), TestContext.Current.CancellationToken);
        try
        {
            var (exit, stdout, stderr) = await RunAsync(Python, "-c", Script, app.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), cafile);

            exit.Should().Be(0, stderr);
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Should().Equal(
                "True|200|0|True|2|True|False",
                "True|77|0|False|3|False|False");
        }
        finally
        {
            File.Delete(cafile);
        }
    }

    private static async Task RequirePythonH2Async()
    {
        if (!File.Exists(Python))
        {
            Assert.Skip($"{Python} is missing: install the Debian packages python3 and python3-h2.");
        }

        var (exit, _, stderr) = await RunAsync(Python, "-c", "import h2");
        if (exit != 0)
        {
            Assert.Skip($"{Python} has no 'h2' module: install the Debian package python3-h2. ({stderr.Trim()})");
        }
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }
}
