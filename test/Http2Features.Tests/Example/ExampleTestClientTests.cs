using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Http2Features.Testing;
using TestClientProgram = Http2FeaturesExample.TestClient.Program;

namespace Http2Features.Tests.Example;

/// <summary>The example's test client (examples/http2_features/TestClient) run against the started example.</summary>
public sealed class ExampleTestClientTests : IClassFixture<Http2WebApplicationFactory<Program>>
{
    private readonly Http2WebApplicationFactory<Program> _factory;

    public ExampleTestClientTests(Http2WebApplicationFactory<Program> factory) => _factory = factory;

    [Fact]
    public async Task Test_client_passes_every_check_against_the_example()
    {
        using var output = new StringWriter();

        var exitCode = await TestClientProgram.RunAsync(["--url", _factory.ServerAddress.ToString()], output);

        var report = output.ToString();
        exitCode.Should().Be(0, report);
        var lines = report.Split('\n', StringSplitOptions.TrimEntries);
        lines.Where(l => l.StartsWith("PASS", StringComparison.Ordinal)).Select(l => l.Split(':')[0][4..].Trim())
            .Should().Equal(["connection", "priority", "trailers", "combined", "multiple streams", "early hints"], report);
        lines.Should().NotContain(l => l.StartsWith("FAIL", StringComparison.Ordinal), report);
        lines.Should().Contain("6 passed, 0 failed");
    }

    [Fact]
    public async Task Test_client_says_how_to_start_the_server_when_nothing_listens()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();   // nothing listens on this port now
        using var output = new StringWriter();

        var exitCode = await TestClientProgram.RunAsync(["--url", $"https://127.0.0.1:{port}"], output);

        exitCode.Should().Be(2);
        output.ToString().Should().Contain("Is the server running? Start it with: dotnet run --project examples/http2_features/WebApp");
    }

    [Fact]
    public async Task Test_client_rejects_a_URL_that_is_not_http_or_https()
    {
        using var output = new StringWriter();

        var exitCode = await TestClientProgram.RunAsync(["--url", "ftp://localhost:8443"], output);

        exitCode.Should().Be(64);
        output.ToString().Should().Contain("--url 'ftp://localhost:8443' is not an https://");
    }
}
