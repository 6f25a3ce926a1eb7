using System.Text.RegularExpressions;
using FluentAssertions;
using Http2Features.Tests.EarlyHints;

namespace Http2Features.Tests.Interop;

public class EarlyHintsInteropTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] HintHintFinal = ["103", "103", "200"];
    private static readonly string[] FinalOnly = ["200"];

    [Theory]
    [InlineData("--http1.1", "HTTP/1.1 103 Early Hints", "HTTP/1.1 200 OK")]
    [InlineData("--http2", "HTTP/2 103", "HTTP/2 200")]
    public async Task Curl_prints_the_103_with_its_link_headers_before_the_final_status(string version, string hintLine, string finalLine)
    {
        var curl = ExternalTool.Require("curl", "curl");
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();

        var (exit, output) = await ExternalTool.RunAsync(curl, ["-sS", "-v", "-k", version, new Uri(app.BaseAddress, "/hint?delay=100").ToString()], ToolTimeout);

        exit.Should().Be(0, output);
        var hint = output.IndexOf("< " + hintLine, StringComparison.Ordinal);
        var link = output.IndexOf("< link: </style0.css>; rel=preload; as=style", StringComparison.Ordinal);
        var final = output.IndexOf("< " + finalLine, StringComparison.Ordinal);
        hint.Should().BeGreaterThan(-1, output);
        link.Should().BeGreaterThan(hint, output);
        final.Should().BeGreaterThan(link, output);
        output.Should().Contain("< link: </app0.js>; rel=preload; as=script; fetchpriority=high");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Nghttp_shows_the_103_HEADERS_then_the_200_also_with_header_table_size_0(bool tableSizeZero)
    {
        var nghttp = ExternalTool.Require("nghttp", "nghttp2-client");
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        var url = new Uri(app.BaseAddress, "/hint?calls=2").ToString();
        var url2 = url + "&second=1";
        string[] args = tableSizeZero ? ["-v", "-c", "0", url, url2] : ["-v", url, url2];

        var (exit, output) = await ExternalTool.RunAsync(nghttp, args, ToolTimeout);

        exit.Should().Be(0, output);
        output.Should().NotContain("COMPRESSION_ERROR").And.NotContain("recv GOAWAY").And.NotContain("PROTOCOL_ERROR");
        if (tableSizeZero)
        {
            output.Should().Contain("SETTINGS_HEADER_TABLE_SIZE(0x01):0");
        }

        // Two requests on one connection, each: 103, 103, then 200. With -c 0, nghttp2 requires Kestrel's first header
        // block to announce the new size, so hints asked for before it are not sent (HeaderTableSizeChangePending):
        // such a request gets fewer 103s, never one it cannot decode.
        var statuses = Regex.Matches(output, @"recv \(stream_id=(\d+)\) :status: (\d+)").Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        var perStream = statuses.GroupBy(s => s.Item1).ToList();
        perStream.Should().HaveCount(2);
        if (tableSizeZero)
        {
            // (A second call on a stream may go out once another stream's 200 announced the size: 103 then 200.)
            perStream.Should().OnlyContain(g => g.Select(s => s.Item2).SkipWhile(status => status == "103").SequenceEqual(FinalOnly) && g.Count() <= 3);
            host.Results.Where(r => r.Path == "/hint").Should().OnlyContain(r => r.Result.Status == EarlyHintsStatus.Sent || r.Result.Status == EarlyHintsStatus.HeaderTableSizeChangePending);
        }
        else
        {
            perStream.Should().OnlyContain(g => g.Select(s => s.Item2).SequenceEqual(HintHintFinal));
            output.Should().Contain("link: </style1.css>; rel=preload; as=style");
        }
    }

    [Fact]
    public async Task Python_h2_sees_InformationalResponseReceived_before_ResponseReceived()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            Assert.Skip("/usr/bin/python3 is missing: install the Debian packages python3 and python3-h2");
        }

        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        var script = Path.Combine(Path.GetTempPath(), $"h2-early-hints-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, PythonClient, TestContext.Current.CancellationToken);
        try
        {
            var (exit, output) = await ExternalTool.RunAsync("/usr/bin/python3", [script, app.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], ToolTimeout);
            if (output.Contains("No module named 'h2'", StringComparison.Ordinal))
            {
                Assert.Skip("python h2 is missing: install the Debian package python3-h2");
            }

            exit.Should().Be(0, output);
            output.Trim().Split('\n').Should().Equal(
                "InformationalResponseReceived 103 </style0.css>; rel=preload; as=style",
                "ResponseReceived 200",
                "DataReceived ok",
                "StreamEnded");
        }
        finally
        {
            File.Delete(script);
        }
    }

    private const string PythonClient = """
        import socket, ssl, sys
        import h2.connection, h2.config, h2.events
        port = int(sys.argv[1])
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname="localhost")
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        conn.initiate_connection()
        conn.send_headers(1, [(":method", "GET"), (":path", "/hint?delay=100"), (":scheme", "https"), (":authority", "127.0.0.1")], end_stream=True)
        sock.sendall(conn.data_to_send())
        done = False
        while not done:
            data = sock.recv(65536)
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.InformationalResponseReceived):
                    h = dict(event.headers)
                    print("InformationalResponseReceived", h[":status"], [v for k, v in event.headers if k == "link"][0])
                elif isinstance(event, h2.events.ResponseReceived):
                    print("ResponseReceived", dict(event.headers)[":status"])
                elif isinstance(event, h2.events.DataReceived):
                    # Kestrel may end the stream with a separate empty DATA frame: report body bytes only.
                    if event.data:
                        print("DataReceived", event.data.decode())
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    print("StreamEnded")
                    done = True
            sock.sendall(conn.data_to_send())
        sock.close()
        """;
}
