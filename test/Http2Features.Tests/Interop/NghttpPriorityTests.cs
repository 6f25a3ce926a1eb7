using System.Diagnostics;
using FluentAssertions;
using Http2Features.Tests.Priority;

namespace Http2Features.Tests.Interop;

/// <summary>nghttp (nghttp2's client) sends real RFC 7540 priority; the app must see what it sent.</summary>
public class NghttpPriorityTests
{
    private static readonly string[] Candidates = ["/usr/bin/nghttp", "/usr/local/bin/nghttp"];

    private static string? Nghttp => Candidates.FirstOrDefault(File.Exists);

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(256)]
    public async Task Nghttp_weight_without_dependency_is_visible(int weight)
    {
        var output = await RunNghttpAsync("--no-dep", "-p", weight.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", "16", "-W", "20");

        output.Should().Be($"True|{weight}|0|False|3|False|False");
    }

    [Fact]
    public async Task Nghttp_default_dependency_tree_is_visible()
    {
        // Without --no-dep nghttp makes the request depend on one of its anchor streams.
        var output = await RunNghttpAsync("-p", "100");

        var fields = output.Split('|');
        fields[0].Should().Be("True");
        fields[1].Should().Be("100");
        int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(0, output);
    }

    private static async Task<string> RunNghttpAsync(params string[] args)
    {
        if (Nghttp is null)
        {
            Assert.Skip("nghttp is not installed: install the Debian package nghttp2-client.");
        }

        await using var app = await PriorityTestApp.StartAsync();
        var psi = new ProcessStartInfo(Nghttp!) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-y");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add(new Uri(app.BaseAddress, "/").ToString());
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        process.ExitCode.Should().Be(0, await stderr);
        return (await stdout).Trim();
    }
}
