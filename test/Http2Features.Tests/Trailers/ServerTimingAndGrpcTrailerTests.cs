// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Trailers;

public partial class ServerTimingAndGrpcTrailerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [GeneratedRegex(@"^total;dur=(?<dur>\d+(\.\d{1,3})?)$")]
    private static partial Regex TotalMetric();

    [Fact]
    public async Task Server_timing_trailer_carries_total_duration_and_user_metrics_in_Server_Timing_syntax()
    {
        var added = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/timed", async (HttpContext context) =>
        {
            await Task.Delay(30);
            added.SetResult(context.AddServerTimingMetric("db", 4.25, "Orders query") & context.AddServerTimingMetric("cache", description: "hit"));
            return "done";
        }).WithServerTimingTrailer());
        var client = await server.CreateRawClientAsync();

        var response = await client.GetAsync("/timed");

        response.BodyText.Should().Be("done");
        response.Headers["trailer"].Should().Be("server-timing");
        var value = response.Trailers["server-timing"]!;
        var metrics = value.Split(", ");
        metrics.Should().HaveCount(3);
        var total = TotalMetric().Match(metrics[0]);
        total.Success.Should().BeTrue($"'{metrics[0]}' should be total;dur=<ms>");
        double.Parse(total.Groups["dur"].Value, CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(25, "the handler waited 30 ms");
        metrics[1].Should().Be("db;dur=4.25;desc=\"Orders query\"");
        metrics[2].Should().Be("cache;desc=hit");
        (await added.Task.WaitAsync(Timeout)).Should().BeTrue();
    }

    [Fact]
    public async Task Server_timing_metric_is_not_recorded_without_the_producer()
    {
        var added = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/plain", (HttpContext context) =>
        {
            added.SetResult(context.AddServerTimingMetric("db", 1));
            return "x";
        }));
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/plain");
        await message.Content.ReadAsStringAsync();

        (await added.Task.WaitAsync(Timeout)).Should().BeFalse();
        message.TrailingHeaders.Should().BeEmpty();
    }

    [Theory]
    [InlineData("db", 12.3, null, "db;dur=12.3")]
    [InlineData("db", 0.12345, null, "db;dur=0.123")]
    [InlineData("db", null, "a \"quoted\" \\ desc", "db;desc=\"a \\\"quoted\\\" \\\\ desc\"")]
    [InlineData("app", 1000.0, "token", "app;dur=1000;desc=token")]
    public void Server_timing_metric_format_follows_the_W3C_grammar(string name, double? dur, string? desc, string expected)
    {
        ServerTimingFormat.Metric(name, dur, desc).Should().Be(expected);
    }

    [Fact]
    public void Server_timing_metric_rejects_bad_name_duration_and_description()
    {
        FluentActions.Invoking(() => ServerTimingFormat.Metric("bad name", 1, null)).Should().Throw<ArgumentException>().WithMessage("*'bad name'*token*");
        FluentActions.Invoking(() => ServerTimingFormat.Metric("db", -1, null)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ServerTimingFormat.Metric("db", double.NaN, null)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ServerTimingFormat.Metric("db", 1, "line\nbreak")).Should().Throw<ArgumentException>().WithMessage("*U+000A*");
    }

    [Theory]
    [InlineData("plain message", "plain message")]
    [InlineData("100% done", "100%25 done")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("line1\nline2", "line1%0Aline2")]
    [InlineData(" padded ", "%20padded%20")]
    public void Grpc_message_is_percent_encoded_per_the_gRPC_spec(string message, string encoded)
    {
        GrpcStatusExtensions.PercentEncode(message).Should().Be(encoded);
    }

    [Fact]
    public async Task SendGrpcStatusAsync_sends_status_and_encoded_message_in_one_call()
    {
        var result = new TaskCompletionSource<TrailersResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app => app.MapPost("/svc/Method", async (HttpResponse response) =>
        {
            response.ContentType = "application/grpc";
            await response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 });
            result.SetResult(await response.SendGrpcStatusAsync(GrpcStatusCode.NotFound, "no such order: ünïcode 50%"));
        }));
        using var client = server.CreateHttp2Client();

        using var message = await client.PostAsync("/svc/Method", new ByteArrayContent([]));
        await message.Content.ReadAsByteArrayAsync();

        (await result.Task.WaitAsync(Timeout)).Status.Should().Be(TrailersStatus.Sent);
        message.TrailingHeaders.GetValues("grpc-status").Should().Equal("5");
        var encoded = message.TrailingHeaders.GetValues("grpc-message").Single();
        encoded.Should().Be("no such order: %C3%BCn%C3%AFcode 50%25");
        Uri.UnescapeDataString(encoded).Should().Be("no such order: ünïcode 50%");
    }

    [Fact]
    public async Task Grpc_status_producer_sends_OK_on_return_and_UNKNOWN_when_the_handler_throws()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = await TrailersApp.StartAsync(
            app =>
            {
                app.MapPost("/ok", async (HttpResponse response) => await response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 })).WithGrpcStatusTrailers();
                app.MapPost("/fail", async (HttpResponse response) =>
                {
                    await response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 });
                    throw new InvalidOperationException("boom");
                }).WithGrpcStatusTrailers();
                app.MapPost("/explicit", async (HttpResponse response) =>
                {
                    await response.SendGrpcStatusAsync(GrpcStatusCode.PermissionDenied, "nope");
                }).WithGrpcStatusTrailers();
            },
            logs: logs);
        var client = await server.CreateRawClientAsync();

        var ok = await client.SendRequestAsync(Post("/ok"));
        var fail = await client.SendRequestAsync(Post("/fail"));
        var explicitStatus = await client.SendRequestAsync(Post("/explicit"));
        var okResponse = await ok.ReadResponseAsync(Timeout);
        var failResponse = await fail.ReadResponseAsync(Timeout);
        var explicitResponse = await explicitStatus.ReadResponseAsync(Timeout);

        okResponse.Headers.GetValues("trailer").Should().Equal("grpc-status, grpc-message");
        okResponse.Trailers["grpc-status"].Should().Be("0");
        okResponse.Trailers.Contains("grpc-message").Should().BeFalse();
        failResponse.ResetCode.Should().BeNull("a gRPC failure is reported in grpc-status, not by resetting the stream");
        failResponse.Trailers["grpc-status"].Should().Be("2");
        failResponse.Trailers["grpc-message"].Should().Be("Exception was thrown by handler.");
        explicitResponse.Trailers.GetValues("grpc-status").Should().Equal("7");
        explicitResponse.Trailers["grpc-message"].Should().Be("nope");
        logs.Entries.Should().Contain(e => e.Id.Id == 5004 && e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task Middleware_forms_add_server_timing_and_grpc_status_to_every_request_after_them()
    {
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.UseServerTimingTrailer();
            app.UseGrpcStatusTrailers();
            app.MapPost("/ok", (HttpContext context) =>
            {
                context.AddServerTimingMetric("step", 1.5);
                return "fine";
            });
            app.MapPost("/fail", string () => throw new InvalidOperationException("boom"));
        });
        var client = await server.CreateRawClientAsync();

        var ok = await (await client.SendRequestAsync(Post("/ok"))).ReadResponseAsync(Timeout);
        var fail = await (await client.SendRequestAsync(Post("/fail"))).ReadResponseAsync(Timeout);

        ok.BodyText.Should().Be("fine");
        ok.Headers.GetValues("trailer").Should().Equal("server-timing, grpc-status, grpc-message");
        ok.Trailers["server-timing"].Should().MatchRegex(@"^total;dur=\d+(\.\d+)?, step;dur=1\.5$");
        ok.Trailers["grpc-status"].Should().Be("0");
        fail.Status.Should().Be(200, "gRPC answers a failed call with 200 and the status, never a 500");
        fail.Headers["grpc-status"].Should().Be("2", "nothing was sent yet: gRPC's Trailers-Only form puts the status in the headers");
        fail.Headers.Contains("content-type").Should().BeFalse("the JSON writer never ran");
        fail.Trailers.Contains("grpc-status").Should().BeFalse("one status per response");
        fail.Trailers["server-timing"].Should().StartWith("total;dur=");
    }

    private static Http2Features.Testing.RawHttp2Request Post(string path) => new("POST", path) { Body = Array.Empty<byte>() };
}
