using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;

namespace Http2Features.Tests.Scheduling;

/// <summary>nghttp (nghttp2's client) on one connection to a scheduling server, with RFC 7540 weights and the priority header.</summary>
public partial class SchedulingInteropTests
{
    private static readonly string[] Candidates = ["/usr/bin/nghttp", "/usr/local/bin/nghttp"];

    [Fact]
    public async Task Nghttp_gets_a_weight_1_download_and_a_weight_256_response_intact_on_one_scheduled_connection()
    {
        var nghttp = Candidates.FirstOrDefault(File.Exists);
        if (nghttp is null)
        {
            Assert.Skip("nghttp is not installed: install the Debian package nghttp2-client.");
        }

        await using var test = await SchedulingTestApp.StartAsync(configure: o =>
        {
            o.IdleTimeout = TimeSpan.FromMilliseconds(10);
            o.StallTimeout = TimeSpan.FromMilliseconds(250);
            o.MaxHoldBack = TimeSpan.FromSeconds(1);
        });
        var psi = new ProcessStartInfo(nghttp) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-y", "-n", "-v", "--no-dep", "-p", "1", "-p", "256", "-H", "priority: u=3" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add(new Uri(test.App.BaseAddress, SchedulingTestApp.Path(64)).ToString());
        psi.ArgumentList.Add(new Uri(test.App.BaseAddress, SchedulingTestApp.Path(8)).ToString());
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        process.ExitCode.Should().Be(0, await stderr);

        // Sum the DATA payload nghttp received per stream (streams 13 and 15: nghttp opens 1-11 as anchors
        // unless --no-dep; with it, the two requests are streams 1 and 3).
        var received = new Dictionary<int, long>();
        foreach (Match m in DataFrame().Matches(await stdout))
        {
            var id = int.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture);
            received[id] = received.GetValueOrDefault(id) + long.Parse(m.Groups["len"].Value, CultureInfo.InvariantCulture);
        }

        received.Values.Order().Should().Equal(8L * SchedulingTestApp.Chunk, 64L * SchedulingTestApp.Chunk);
    }

    [GeneratedRegex(@"recv DATA frame <length=(?<len>\d+), flags=0x[0-9a-f]+, stream_id=(?<id>\d+)>")]
    private static partial Regex DataFrame();
}
