// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
#pragma warning disable CA5351 // the clients' content-md5 is recomputed independently
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Http2Features;
using Http2Features.Testing;
using Http2Features.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Tests.Trailers;

/// <summary>
/// Independent HTTP/1.1 clients read the trailers of the last chunk: curl, a python raw-socket parser, Node's http client
/// and Go's net/http; and an HTTP/2 client reads them through Debian's haproxy talking HTTP/1.1 to the app.
/// </summary>
public class Http1TrailersInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly byte[] Body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("interop body line\n", 1000)));

    private static Task<Http2TestApp> StartAsync() => TrailersApp.StartAsync(app =>
    {
        app.MapGet("/data", async (HttpResponse response) =>
        {
            response.AnnounceTrailers("x-rows");
            await response.Body.WriteAsync(Body);
            await response.SendTrailersAsync("x-rows", "1000");
        }).WithChecksumTrailers(ChecksumTrailers.ContentMd5);
        app.MapPost("/echo", async (HttpRequest request, HttpResponse response) => await request.Body.CopyToAsync(response.Body))
            .WithChecksumTrailers(ChecksumTrailers.ContentMd5 | ChecksumTrailers.ReprDigestSha256);
    });

    private static string Md5(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));

    [Fact]
    public async Task Curl_raw_shows_the_trailer_section_and_its_header_dump_lists_the_trailers()
    {
        var curl = ExternalTool.Require("curl", "curl");
        await using var server = await StartAsync();
        var url = new Uri(server.BaseAddress, "/data").ToString();
        using var dir = new TempDir();
        var dump = Path.Combine(dir.Path, "headers.txt");

        var raw = await ExternalTool.RunAsync(curl, ["-sS", "-k", "--http1.1", "--raw", "-H", "TE: trailers", url], Timeout);
        var parsed = await ExternalTool.RunAsync(curl, ["-sS", "-k", "--http1.1", "-D", dump, "-o", Path.Combine(dir.Path, "body"), url], Timeout);

        raw.ExitCode.Should().Be(0, raw.Stderr);
        raw.Stdout.Should().EndWith($"\r\n0\r\ncontent-md5: {Md5(Body)}\r\nx-rows: 1000\r\n\r\n", "--raw prints the chunked body as sent");
        parsed.ExitCode.Should().Be(0, parsed.Stderr);
        var headers = await File.ReadAllTextAsync(dump);
        headers.Should().Contain("Transfer-Encoding: chunked").And.Contain("Trailer: x-rows, content-md5");
        headers.IndexOf("x-rows: 1000", StringComparison.Ordinal).Should().BeGreaterThan(headers.IndexOf("\r\n\r\n", StringComparison.Ordinal),
            "curl writes the trailers to the header dump after the response headers");
        headers.Should().Contain($"content-md5: {Md5(Body)}");
        (await File.ReadAllBytesAsync(Path.Combine(dir.Path, "body"))).Should().Equal(Body);
    }

    private const string PythonScript = """
        import hashlib, json, socket, ssl, sys
        host, port = sys.argv[1], int(sys.argv[2])
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["http/1.1"])
        sock = ctx.wrap_socket(socket.create_connection((host, port), timeout=20), server_hostname="localhost")
        sock.sendall(b"GET /data HTTP/1.1\r\nHost: localhost\r\nTE: trailers\r\n\r\n")
        f = sock.makefile("rb")
        status = f.readline().decode()
        headers = {}
        while True:
            line = f.readline().decode()
            if line == "\r\n":
                break
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        assert headers["transfer-encoding"] == "chunked", headers
        body = bytearray()
        while True:
            size_line = f.readline()
            assert size_line.endswith(b"\r\n"), size_line
            size = int(size_line.strip(), 16)
            if size == 0:
                break
            body += f.read(size)
            assert f.read(2) == b"\r\n"
        trailers = {}
        while True:
            line = f.readline().decode()
            if line == "\r\n":
                break
            k, v = line.split(":", 1)
            trailers[k.strip().lower()] = v.strip()
        print(json.dumps({"status": status.split()[1], "trailer": headers.get("trailer"), "trailers": trailers, "md5": hashlib.md5(body).hexdigest(), "length": len(body)}))
        """;

    [Fact]
    public async Task Python_raw_socket_parser_reads_the_trailer_section_after_the_last_chunk()
    {
        if (!File.Exists(ExternalTool.Python))
        {
            Assert.Skip($"{ExternalTool.Python} is missing: install the Debian package python3 to run this interop test.");
        }

        await using var server = await StartAsync();

        var result = await ExternalTool.RunAsync(ExternalTool.Python, ["-c", PythonScript, "127.0.0.1", server.BaseAddress.Port.ToString(CultureInfo.InvariantCulture)], Timeout);

        result.ExitCode.Should().Be(0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("status").GetString().Should().Be("200");
        json.RootElement.GetProperty("trailer").GetString().Should().Be("x-rows, content-md5");
        json.RootElement.GetProperty("length").GetInt32().Should().Be(Body.Length);
        json.RootElement.GetProperty("trailers").GetProperty("x-rows").GetString().Should().Be("1000");
        json.RootElement.GetProperty("trailers").GetProperty("content-md5").GetString().Should().Be(json.RootElement.GetProperty("md5").GetString());
    }

    private const string NodeScript = """
        const https = require("https");
        const crypto = require("crypto");
        const [host, port] = process.argv.slice(1);
        const req = https.get({ host, port, path: "/data", rejectUnauthorized: false, ALPNProtocols: ["http/1.1"], headers: { TE: "trailers" } }, res => {
          const md5 = crypto.createHash("md5");
          res.on("data", d => md5.update(d));
          res.on("end", () => console.log(JSON.stringify({ version: res.httpVersion, status: res.statusCode, trailers: res.trailers, md5: md5.digest("hex") })));
        });
        req.on("error", e => { console.error(e); process.exit(1); });
        """;

    [Fact]
    public async Task Node_http_client_exposes_the_trailers_in_res_trailers()
    {
        var node = ExternalTool.Require("node", "nodejs");
        await using var server = await StartAsync();

        var result = await ExternalTool.RunAsync(node, ["-e", NodeScript, "127.0.0.1", server.BaseAddress.Port.ToString(CultureInfo.InvariantCulture)], Timeout);

        result.ExitCode.Should().Be(0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("version").GetString().Should().Be("1.1");
        json.RootElement.GetProperty("trailers").GetProperty("x-rows").GetString().Should().Be("1000");
        json.RootElement.GetProperty("trailers").GetProperty("content-md5").GetString().Should().Be(json.RootElement.GetProperty("md5").GetString());
    }

    private const string GoProgram = """
        package main

        import (
            "crypto/md5"
            "crypto/tls"
            "encoding/hex"
            "encoding/json"
            "io"
            "net/http"
            "os"
        )

        func main() {
            // An empty TLSNextProto keeps the client on HTTP/1.1.
            client := &http.Client{Transport: &http.Transport{
                TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
                TLSNextProto:    map[string]func(string, *tls.Conn) http.RoundTripper{},
            }}
            resp, err := client.Get(os.Args[1])
            if err != nil {
                panic(err)
            }
            declared := map[string]bool{}
            for k := range resp.Trailer {
                declared[k] = true
            }
            h := md5.New()
            if _, err := io.Copy(h, resp.Body); err != nil {
                panic(err)
            }
            resp.Body.Close()
            out := map[string]interface{}{
                "proto":    resp.Proto,
                "declared": declared,
                "rows":     resp.Trailer.Get("X-Rows"),
                "md5":      resp.Trailer.Get("Content-Md5"),
                "bodyMd5":  hex.EncodeToString(h.Sum(nil)),
            }
            json.NewEncoder(os.Stdout).Encode(out)
        }
        """;

    [Fact]
    public async Task Go_net_http_client_fills_resp_Trailer_after_the_body()
    {
        var go = ExternalTool.Require("go", "golang-go");
        await using var server = await StartAsync();
        using var dir = new TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "main.go"), GoProgram);
        var binary = Path.Combine(dir.Path, "client");

        // Offline, stdlib only, every cache inside the temp dir.
        var build = await RunWithEnvAsync(go, ["build", "-o", binary, "main.go"], dir.Path, new()
        {
            ["GOCACHE"] = Path.Combine(dir.Path, "cache"),
            ["GOPATH"] = Path.Combine(dir.Path, "gopath"),
            ["GOPROXY"] = "off",
            ["GOFLAGS"] = "-mod=mod",
            ["GO111MODULE"] = "off",
            ["HOME"] = dir.Path,
        });
        build.ExitCode.Should().Be(0, build.Stderr);
        var result = await ExternalTool.RunAsync(binary, [new Uri(server.BaseAddress, "/data").ToString()], Timeout);

        result.ExitCode.Should().Be(0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("proto").GetString().Should().Be("HTTP/1.1");
        json.RootElement.GetProperty("declared").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["X-Rows", "Content-Md5"],
            "Go announces the Trailer header's names in resp.Trailer before the body");
        json.RootElement.GetProperty("rows").GetString().Should().Be("1000");
        json.RootElement.GetProperty("md5").GetString().Should().Be(json.RootElement.GetProperty("bodyMd5").GetString());
    }

    [Fact]
    public async Task Http2_client_behind_haproxy_with_an_http11_backend_receives_the_trailers_for_GET_and_a_200_KB_POST()
    {
        var haproxy = ExternalTool.Find("haproxy") ?? (File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : null);
        if (haproxy is null)
        {
            Assert.Skip("'haproxy' is not installed: install the Debian package haproxy (apt-get install haproxy) to run this interop test.");
        }

        await using var server = await StartAsync();
        using var dir = new TempDir();
        await using var proxy = await HaproxyHttp11Hop.StartAsync(haproxy, dir.Path, server.BaseAddress.Port);
        await using var client = await RawHttp2Client.ConnectAsync(proxy.Frontend, new RawHttp2ClientOptions());
        var post = new byte[200 * 1024];
        new Random(5).NextBytes(post);

        var get = await client.GetAsync("/data");
        var echo = await (await client.SendRequestAsync(new RawHttp2Request("POST", "/echo") { Body = post })).ReadResponseAsync(Timeout);

        get.Status.Should().Be(200);
        get.Body.Should().Equal(Body);
        get.Trailers["x-rows"].Should().Be("1000", "haproxy turns the last chunk's trailer section into an HTTP/2 trailers block");
        get.Trailers["content-md5"].Should().Be(Md5(Body));
        echo.Body.Should().Equal(post);
        echo.Trailers["content-md5"].Should().Be(Md5(post));
        echo.Trailers["repr-digest"].Should().Be($"sha-256=:{Convert.ToBase64String(SHA256.HashData(post))}:");
    }

    private static async Task<ToolResult> RunWithEnvAsync(string file, string[] args, string workingDirectory, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("h2f-h1trailers-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>haproxy: TLS frontend with h2, HTTP/1.1 (ALPN http/1.1) to the app.</summary>
    private sealed class HaproxyHttp11Hop : IAsyncDisposable
    {
        private readonly Process _process;

        private HaproxyHttp11Hop(Process process, Uri frontend)
        {
            _process = process;
            Frontend = frontend;
        }

        public Uri Frontend { get; }

        public static async Task<HaproxyHttp11Hop> StartAsync(string haproxy, string directory, int backendPort)
        {
            var pem = System.IO.Path.Combine(directory, "frontend.pem");
            var certificate = TestCertificates.Shared;
            using (var key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey())
            {
                await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem() + "\n" + key!.ExportPkcs8PrivateKeyPem() + "\n");
            }

            int port;
            using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            }

            var cfg = System.IO.Path.Combine(directory, "haproxy.cfg");
            await File.WriteAllTextAsync(cfg, string.Create(CultureInfo.InvariantCulture, $"""
                global
                    maxconn 100
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend f
                    bind 127.0.0.1:{port} ssl crt {pem} alpn h2
                    default_backend b
                backend b
                    server app 127.0.0.1:{backendPort} ssl verify none alpn http/1.1

                """));
            var psi = new ProcessStartInfo(haproxy) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            psi.ArgumentList.Add("-db");
            psi.ArgumentList.Add("-f");
            psi.ArgumentList.Add(cfg);
            var process = Process.Start(psi)!;
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var hop = new HaproxyHttp11Hop(process, new Uri($"https://127.0.0.1:{port}/"));
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 15);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"haproxy exited ({process.ExitCode}).");
                }

                try
                {
                    using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return hop;
                }
                catch (SocketException) when (Stopwatch.GetTimestamp() < deadline)
                {
                    await Task.Delay(20); // polling for the listener, bounded by the deadline
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
