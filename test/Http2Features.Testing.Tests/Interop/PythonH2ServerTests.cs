using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;

namespace Http2Features.Testing.Tests.Interop;

/// <summary>
/// The raw client against an independent server (python h2): Huffman-coded HPACK from another encoder, several 1xx
/// responses, padding, trailers, and a stream reset — things Kestrel alone never sends. nghttp checks the same server.
/// </summary>
public class PythonH2ServerTests
{
    // Serves h2c with prior knowledge on 127.0.0.1:<ephemeral>, prints the port, handles `connections` connections.
    // GET /hints: 103 twice, then 200 with headers, padded DATA and trailers. GET /reset: RST_STREAM(REFUSED_STREAM).
    private const string Server = """
        import socket, sys
        import h2.connection, h2.config, h2.events
        connections = int(sys.argv[1])
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        srv.settimeout(30)
        print(srv.getsockname()[1], flush=True)
        for _ in range(connections):
            sock, _ = srv.accept()
            sock.settimeout(30)
            conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
            conn.initiate_connection()
            sock.sendall(conn.data_to_send())
            open_streams = 0
            served = 0
            while True:
                data = sock.recv(65535)
                if not data:
                    break
                for ev in conn.receive_data(data):
                    if isinstance(ev, h2.events.RequestReceived):
                        path = dict(ev.headers)[":path"]
                        sid = ev.stream_id
                        if path == "/reset":
                            conn.reset_stream(sid, error_code=7)
                        else:
                            conn.send_headers(sid, [(":status", "103"), ("link", "</style.css>; rel=preload; as=style")])
                            conn.send_headers(sid, [(":status", "103"), ("link", "</app.js>; rel=preload; as=script")])
                            conn.send_headers(sid, [(":status", "200"), ("content-type", "text/plain; charset=utf-8"), ("x-server", "python-h2"), ("cache-control", "private, max-age=60")])
                            conn.send_data(sid, b"hello from python h2", pad_length=9)
                            conn.send_headers(sid, [("x-checksum", "deadbeef"), ("x-status", "done")], end_stream=True)
                        served += 1
                sock.sendall(conn.data_to_send())
            sock.close()
        """;

    private static async Task<(Process Process, int Port)> StartServerAsync(int connections)
    {
        var psi = new ProcessStartInfo(ExternalTool.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Server);
        psi.ArgumentList.Add(connections.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(psi)!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (line is null || !int.TryParse(line, CultureInfo.InvariantCulture, out var port))
        {
            var err = await process.StandardError.ReadToEndAsync();
            process.Kill(true);
            throw new InvalidOperationException("python h2 server did not report a port: " + err);
        }

        return (process, port);
    }

    [Fact]
    public async Task Raw_client_decodes_Huffman_HPACK_informational_responses_padding_and_trailers_from_python_h2()
    {
        await ExternalTool.RequirePythonH2Async();
        var (server, port) = await StartServerAsync(connections: 1);
        using (server)
        {
            try
            {
                await using var client = await RawHttp2Client.ConnectAsync(new Uri($"http://127.0.0.1:{port}/"));

                var response = await client.GetAsync("/hints");
                var reset = await client.GetAsync("/reset");

                response.Should().HaveInformationalStatuses(103, 103)
                    .And.HaveInformational(103, "link", "</style.css>; rel=preload; as=style")
                    .And.HaveInformational(103, "link", "</app.js>; rel=preload; as=script")
                    .And.HaveStatus(200)
                    .And.HaveHeader("x-server", "python-h2")
                    .And.HaveHeader("cache-control", "private, max-age=60")
                    .And.HaveBody("hello from python h2")
                    .And.HaveTrailer("x-checksum", "deadbeef")
                    .And.HaveTrailer("x-status", "done");
                response.Informational[0].FrameSequence.Should().BeLessThan(response.Informational[1].FrameSequence);
                response.Informational[1].FrameSequence.Should().BeLessThan(response.HeadersFrameSequence);
                reset.Should().BeReset(Http2ErrorCode.RefusedStream);
                client.FrameLog.Should().Contain(f => f.Type == Http2FrameType.Data && (f.Flags & Http2FrameFlags.Padded) != 0,
                    "python h2 padded the DATA frame and the client stripped the padding");
            }
            finally
            {
                server.Kill(true);
            }
        }
    }

    [Fact]
    public async Task Nghttp_sees_the_same_informational_and_final_headers_as_the_raw_client()
    {
        await ExternalTool.RequirePythonH2Async();
        var nghttp = ExternalTool.Require("nghttp", "nghttp2-client");
        var (server, port) = await StartServerAsync(connections: 2);
        using (server)
        {
            try
            {
                RawHttp2Response raw;
                await using (var client = await RawHttp2Client.ConnectAsync(new Uri($"http://127.0.0.1:{port}/")))
                {
                    raw = await client.GetAsync("/hints");
                }

                var result = await ExternalTool.RunAsync(nghttp, ["-v", "-t", "20", $"http://127.0.0.1:{port}/hints"], TimeSpan.FromSeconds(30));

                result.ExitCode.Should().Be(0, result.ToString());
                var received = Regex.Matches(result.Stdout, @"recv \(stream_id=\d+\) ([^:\s][^:]*|:[a-z]+): (.*)$", RegexOptions.Multiline)
                    .Select(m => new KeyValuePair<string, string>(m.Groups[1].Value, m.Groups[2].Value.TrimEnd('\r')))
                    .ToList();
                var expected = raw.Informational.SelectMany(i => i.Headers).Concat(raw.Headers).Concat(raw.Trailers).ToList();
                received.Should().Equal(expected, result.ToString());
            }
            finally
            {
                server.Kill(true);
            }
        }
    }
}
