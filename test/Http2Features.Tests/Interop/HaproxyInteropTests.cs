using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Http2Features.Testing;
using Http2Features.Tests.Connection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Interop;

/// <summary>
/// Debian's haproxy (2.6) in front of real Kestrel: TLS frontend with ALPN h2,http/1.1, PROXY protocol v1
/// (<c>send-proxy</c>) and v2 (<c>send-proxy-v2</c>) to an h2 and an HTTP/1.1 TLS backend whose endpoint reads it
/// before <c>UseHttps</c>. haproxy connects to Kestrel from 127.0.0.3, so a remote address of 127.0.0.1 with the
/// client's own port can only come from the header.
/// </summary>
public class HaproxyInteropTests(HaproxyInteropTests.Haproxy proxy) : IClassFixture<HaproxyInteropTests.Haproxy>
{
    public static TheoryData<string, string> Routes => new()
    {
        { "h2", "send-proxy" },
        { "h2", "send-proxy-v2" },
        { "http/1.1", "send-proxy" },
        { "http/1.1", "send-proxy-v2" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Behind_haproxy_the_103_arrives_within_50_ms_priority_is_reported_and_the_address_is_the_clients(string backendAlpn, string sendProxy)
    {
        proxy.SkipWhenMissing();
        await using var client = await RawHttp2Client.ConnectAsync(proxy.Frontend(backendAlpn, sendProxy), new RawHttp2ClientOptions(), TestContext.Current.CancellationToken);

        var report = await EndpointProbe.CheckAsync(client, rounds: 3, http2Hop: backendAlpn == "h2", directClient: false);

        var clientEnd = (IPEndPoint)client.LocalEndPoint!;
        var clientAddress = clientEnd.Address.IsIPv4MappedToIPv6 ? clientEnd.Address.MapToIPv4() : clientEnd.Address;
        report.RemoteIpAddress.Should().Be(clientAddress, "haproxy's own connection comes from 127.0.0.3");
        report.RemotePort.Should().Be(clientEnd.Port);
        report.LocalPort.Should().Be(proxy.Frontend(backendAlpn, sendProxy).Port, "the destination is haproxy's frontend");
        report.Protocol.Should().Be(backendAlpn == "h2" ? "HTTP/2" : "HTTP/1.1");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Median_103_latency_behind_haproxy_over_30_requests_is_under_50_ms(string backendAlpn, string sendProxy)
    {
        proxy.SkipWhenMissing();
        await using var client = await RawHttp2Client.ConnectAsync(proxy.Frontend(backendAlpn, sendProxy), new RawHttp2ClientOptions(), TestContext.Current.CancellationToken);
        var delay = TimeSpan.FromMilliseconds(60); // longer than the bound, short enough to keep the test at ~2 s
        var latencies = new List<double>();
        for (var i = 0; i < 30; i++)
        {
            // One request at a time on a warm connection: the latency of the hint path, not of a queue.
            var stream = await client.SendRequestAsync(EndpointProbe.Request(delay), TestContext.Current.CancellationToken);
            var response = await stream.ReadResponseAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            latencies.Add(EndpointProbe.Check(response, http2Hop: backendAlpn == "h2", directClient: false, delay).HintLatency.TotalMilliseconds);
        }

        latencies.Sort();
        var median = latencies[latencies.Count / 2];
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"haproxy {sendProxy} -> {backendAlpn}: 103 latency median {median:F2} ms, min {latencies[0]:F2}, p90 {latencies[(int)(latencies.Count * 0.9)]:F2}, max {latencies[^1]:F2} (n={latencies.Count})"));
        median.Should().BeLessThan(EndpointProbe.HintLatencyBound.TotalMilliseconds);
    }

    [Fact]
    public async Task Curl_through_haproxy_prints_the_103_before_the_200_and_the_app_sees_curls_address()
    {
        proxy.SkipWhenMissing();
        var curl = ExternalTool.Require("curl", "curl");
        var url = new Uri(proxy.Frontend("h2", "send-proxy-v2"), EndpointProbe.Path).ToString();

        var (exit, output) = await ExternalTool.RunAsync(curl, ["-sS", "-v", "-k", "--http2", "-H", "priority: u=1", url], TimeSpan.FromSeconds(30));

        exit.Should().Be(0, output);
        var hint = output.IndexOf("< HTTP/2 103", StringComparison.Ordinal);
        hint.Should().BeGreaterThan(-1, output);
        output.IndexOf("< HTTP/2 200", StringComparison.Ordinal).Should().BeGreaterThan(hint, output);
        var body = output.Split('\n').Last(l => l.StartsWith("True|", StringComparison.Ordinal));
        var report = EndpointProbe.Parse(body.Trim());
        report.RemoteIpAddress.Should().Be(IPAddress.Loopback, "curl connects from 127.0.0.1, haproxy from 127.0.0.3");
        report.Urgency.Should().Be(EndpointProbe.Urgency);
    }

    /// <summary>One Kestrel backend and one haproxy process for the class, each frontend on a port picked by binding first.</summary>
    public sealed class Haproxy : IAsyncLifetime
    {
        private const string Package = "haproxy";
        private readonly Dictionary<(string, string), Uri> _frontends = [];
        private KestrelTestHost? _backend;
        private Process? _process;
        private string? _directory;
        private string? _missing;

        public Uri Frontend(string backendAlpn, string sendProxy) => _frontends[(backendAlpn, sendProxy)];

        public void SkipWhenMissing()
        {
            if (_missing is not null)
            {
                Assert.Skip(_missing);
            }
        }

        public async ValueTask InitializeAsync()
        {
            var haproxy = ExternalTool.Find("haproxy") ?? (File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : null);
            if (haproxy is null)
            {
                _missing = $"'haproxy' is not installed: install the Debian package {Package} (apt-get install {Package}) to run this interop test.";
                return;
            }

            var backendPort = await StartBackendAsync();
            _directory = Directory.CreateTempSubdirectory("h2f-haproxy-").FullName;
            var pem = Path.Combine(_directory, "frontend.pem");
            var certificate = TestCertificates.Shared;
            using (var key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey())
            {
                await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem() + "\n" + key!.ExportPkcs8PrivateKeyPem() + "\n");
            }

            var config = new System.Text.StringBuilder();
            config.AppendLine("global\n    maxconn 500\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s");
            var index = 0;
            foreach (var alpn in new[] { "h2", "http/1.1" })
            {
                foreach (var send in new[] { "send-proxy", "send-proxy-v2" })
                {
                    var port = ExternalTool.FreeLoopbackPort();
                    _frontends[(alpn, send)] = new Uri($"https://127.0.0.1:{port}/");
                    config.AppendLine(CultureInfo.InvariantCulture, $"frontend f{index}\n    bind 127.0.0.1:{port} ssl crt {pem} alpn h2,http/1.1\n    default_backend b{index}");
                    config.AppendLine(CultureInfo.InvariantCulture, $"backend b{index}\n    server app 127.0.0.1:{backendPort} ssl verify none alpn {alpn} {send} source 127.0.0.3");
                    index++;
                }
            }

            var cfg = Path.Combine(_directory, "haproxy.cfg");
            await File.WriteAllTextAsync(cfg, config.ToString());
            var psi = new ProcessStartInfo(haproxy) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            psi.ArgumentList.Add("-db");
            psi.ArgumentList.Add("-f");
            psi.ArgumentList.Add(cfg);
            _process = Process.Start(psi)!;
            var stderr = new System.Text.StringBuilder();
            _process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
            _process.OutputDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();

            // Ready when every frontend accepts a connection.
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 15;
            foreach (var frontend in _frontends.Values)
            {
                while (true)
                {
                    if (_process.HasExited)
                    {
                        throw new InvalidOperationException($"haproxy exited ({_process.ExitCode}): {stderr}\n{config}");
                    }

                    try
                    {
                        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
                        await probe.ConnectAsync(IPAddress.Loopback, frontend.Port);
                        break;
                    }
                    catch (SocketException) when (Stopwatch.GetTimestamp() < deadline)
                    {
                        await Task.Delay(20);
                    }
                }
            }
        }

        private async Task<int> StartBackendAsync()
        {
            _backend = await KestrelTestHost.StartAsync(
                new KestrelTestHostOptions
                {
                    BeforeTls = lo => lo.UseProxyProtocol(o => o.KnownIPNetworks.Add(IPNetwork.Parse("127.0.0.0/8"))),
                    ConfigureBuilder = builder => builder.Services.AddHttp2Features(),
                },
                app => app.Map(EndpointProbe.Path, EndpointProbe.Handle));
            return _backend.Port;
        }

        public async ValueTask DisposeAsync()
        {
            if (_process is { HasExited: false })
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process?.Dispose();
            if (_backend is not null)
            {
                await _backend.DisposeAsync();
            }

            if (_directory is not null)
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
