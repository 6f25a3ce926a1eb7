using FluentAssertions;
using Http2Features.Testing;
using Http2Features.TestSupport;
using Http2Features.Tests.Priority;

namespace Http2Features.Tests.Interop;

/// <summary>python-hyper's h2 (an independent HTTP/2 stack) sends PRIORITY and HEADERS priority; the app sees them.</summary>
public class PythonH2PriorityTests
{
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
        await ExternalTool.RequirePythonH2Async();
        await using var app = await PriorityTestApp.StartAsync();
        var cafile = Path.Combine(Path.GetTempPath(), $"h2f-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(cafile, TestCertificates.ExportCertificatePem(app.Certificate), TestContext.Current.CancellationToken);
        try
        {
            var run = await ExternalTool.RunAsync(ExternalTool.Python, ["-c", Script, app.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), cafile], TimeSpan.FromSeconds(30));

            run.ExitCode.Should().Be(0, run.ToString());
            run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Should().Equal(
                "True|200|0|True|2|True|False",
                "True|77|0|False|3|False|False");
        }
        finally
        {
            File.Delete(cafile);
        }
    }
}
