using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Testing.Tests.Interop;

/// <summary>
/// The same request from the raw client and from independent HTTP/2 clients (nghttp, curl, python h2) against the same
/// Kestrel app must produce the same response: status, headers, body and trailers.
/// </summary>
public class InteropTests
{
    private const string Body = "interop body: 0123456789";

    private static Task<Http2TestApp> StartAppAsync(bool tls = true) => Http2TestApp.StartAsync(app =>
        app.MapGet("/interop", async (HttpContext ctx) =>
        {
            ctx.Response.Headers["x-interop"] = "same-for-all";
            ctx.Response.ContentType = "text/plain";
            ctx.Response.DeclareTrailer("x-checksum");
            await ctx.Response.WriteAsync(Body);
            ctx.Response.AppendTrailer("x-checksum", "abc123");
        }), options: new Http2TestAppOptions { Tls = tls });

    private static async Task<RawHttp2Response> RawAsync(Http2TestApp app)
    {
        await using var client = await RawHttp2Client.ConnectAsync(app.BaseAddress);
        var response = await client.GetAsync("/interop");
        response.Should().HaveStatus(200).And.HaveBody(Body).And.HaveTrailer("x-checksum", "abc123");
        return response;
    }

    [Fact]
    public async Task Nghttp_and_raw_client_see_the_same_response()
    {
        var nghttp = ExternalTool.Require("nghttp", "nghttp2-client");
        await using var app = await StartAppAsync();
        var raw = await RawAsync(app);
        var url = new Uri(app.BaseAddress, "/interop").ToString();

        var verbose = await ExternalTool.RunAsync(nghttp, ["-v", "-t", "20", url], TimeSpan.FromSeconds(30));
        var plain = await ExternalTool.RunAsync(nghttp, ["-t", "20", url], TimeSpan.FromSeconds(30));

        verbose.ExitCode.Should().Be(0, verbose.ToString());
        plain.Stdout.Should().Be(raw.BodyText, plain.ToString());
        // "[  0.003] recv (stream_id=13) name: value" lines carry the response headers and the trailers, in order.
        var received = Regex.Matches(verbose.Stdout, @"recv \(stream_id=\d+\) ([^:\s][^:]*|:[a-z]+): (.*)$", RegexOptions.Multiline)
            .Select(m => new KeyValuePair<string, string>(m.Groups[1].Value, m.Groups[2].Value.TrimEnd('\r')))
            .ToList();
        var expected = raw.Headers.Concat(raw.Trailers).ToList();
        Comparable(received).Should().Equal(Comparable(expected), verbose.ToString());
    }

    [Fact]
    public async Task Curl_and_raw_client_see_the_same_response()
    {
        var curl = ExternalTool.Require("curl", "curl");
        await using var app = await StartAppAsync();
        var raw = await RawAsync(app);
        var headerFile = Path.GetTempFileName();
        try
        {
            var result = await ExternalTool.RunAsync(curl,
                ["-sS", "-k", "--http2", "--max-time", "20", "-D", headerFile, "-w", "\n%{http_version}", new Uri(app.BaseAddress, "/interop").ToString()],
                TimeSpan.FromSeconds(30));

            result.ExitCode.Should().Be(0, result.ToString());
            var lastNewline = result.Stdout.LastIndexOf('\n');
            result.Stdout[(lastNewline + 1)..].Should().Be("2", "curl must have used HTTP/2");
            result.Stdout[..lastNewline].Should().Be(raw.BodyText);
            var lines = (await File.ReadAllLinesAsync(headerFile)).Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
            lines[0].Should().Be("HTTP/2 " + raw.Status.ToString(CultureInfo.InvariantCulture));
            var curlFields = lines.Skip(1).Select(l => l.Split(": ", 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1])).ToList();
            var rawFields = raw.Headers.Where(h => !h.Key.StartsWith(':')).Concat(raw.Trailers).ToList();
            Comparable(curlFields).Should().Equal(Comparable(rawFields), "curl writes headers then trailers to -D");
        }
        finally
        {
            File.Delete(headerFile);
        }
    }

    [Fact]
    public async Task Curl_h2c_prior_knowledge_and_raw_client_see_the_same_body()
    {
        var curl = ExternalTool.Require("curl", "curl");
        await using var app = await StartAppAsync(tls: false);
        var raw = await RawAsync(app);

        var result = await ExternalTool.RunAsync(curl,
            ["-sS", "--http2-prior-knowledge", "--max-time", "20", "-w", "\n%{http_version} %{response_code}", new Uri(app.BaseAddress, "/interop").ToString()],
            TimeSpan.FromSeconds(30));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Be(raw.BodyText + "\n2 200");
    }

    [Fact]
    public async Task Python_h2_and_raw_client_see_the_same_response()
    {
        await ExternalTool.RequirePythonH2Async();
        await using var app = await StartAppAsync();
        var raw = await RawAsync(app);

        var result = await ExternalTool.RunAsync(ExternalTool.Python, ["-c", PythonH2Client, app.BaseAddress.Port.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(30));

        result.ExitCode.Should().Be(0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var headers = json.RootElement.GetProperty("headers").EnumerateArray().Select(p => new KeyValuePair<string, string>(p[0].GetString()!, p[1].GetString()!)).ToList();
        var trailers = json.RootElement.GetProperty("trailers").EnumerateArray().Select(p => new KeyValuePair<string, string>(p[0].GetString()!, p[1].GetString()!)).ToList();
        Comparable(headers).Should().Equal(Comparable(raw.Headers));
        trailers.Should().Equal(raw.Trailers.ToList());
        json.RootElement.GetProperty("body").GetString().Should().Be(raw.BodyText);
    }

    // Kestrel's date header may tick between the two requests: compare that it is there, not its value.
    private static List<KeyValuePair<string, string>> Comparable(IEnumerable<KeyValuePair<string, string>> fields) =>
        fields.Select(f => f.Key.Equals("date", StringComparison.OrdinalIgnoreCase) ? new KeyValuePair<string, string>(f.Key, "<date>") : f).ToList();

    // A minimal python-h2 client: TLS + ALPN h2, one GET, prints headers/body/trailers as JSON.
    private const string PythonH2Client = """
        import json, socket, ssl, sys
        import h2.connection, h2.config, h2.events
        port = int(sys.argv[1])
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname="localhost")
        assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        conn.initiate_connection()
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, [(":method", "GET"), (":scheme", "https"), (":authority", "127.0.0.1:%d" % port), (":path", "/interop")], end_stream=True)
        sock.sendall(conn.data_to_send())
        out = {"headers": [], "body": "", "trailers": []}
        body = b""
        done = False
        while not done:
            data = sock.recv(65535)
            if not data:
                break
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived):
                    out["headers"] = [[k, v] for k, v in ev.headers]
                elif isinstance(ev, h2.events.DataReceived):
                    body += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.TrailersReceived):
                    out["trailers"] = [[k, v] for k, v in ev.headers]
                elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                    done = True
            sock.sendall(conn.data_to_send())
        out["body"] = body.decode("utf-8")
        print(json.dumps(out))
        """;
}
