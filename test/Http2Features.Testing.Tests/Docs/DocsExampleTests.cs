// The examples of docs/testing.md, compiled and run so the documentation cannot rot.
using System.Net;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Testing.Tests.Docs;

// --- docs/testing.md: "Testing your own Program" ---
public class MyAppHttp2Tests : IClassFixture<Http2WebApplicationFactory<Program>>
{
    private readonly Http2WebApplicationFactory<Program> _factory;

    public MyAppHttp2Tests(Http2WebApplicationFactory<Program> factory) => _factory = factory;

    [Fact]
    public async Task Health_is_served_over_HTTP2()
    {
        using var response = await _factory.CreateHttp2Client().GetAsync("/health");

        response.Version.Should().Be(HttpVersion.Version20);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Health_accepts_priority_signals()
    {
        var client = await _factory.CreateRawClientAsync();

        await client.SendPriorityAsync(streamId: 1, dependsOn: 0, weight: 256, exclusive: true);
        var stream = await client.SendRequestAsync(new RawHttp2Request("GET", "/health")
        {
            Priority = new Http2PriorityData(DependsOn: 0, Weight: 32, Exclusive: false),
        }.WithHeader("priority", "u=1, i"));
        var response = await stream.ReadResponseAsync();

        response.Should().HaveStatus(200).And.HaveBody("OK").And.HaveCompleted();
        client.Should().NotHaveReceivedFrame(Http2FrameType.GoAway);
    }
}

// --- docs/testing.md: "A minimal app inside the test" ---
public class TrailerEndpointTests
{
    [Fact]
    public async Task Grpc_style_status_arrives_as_a_trailer()
    {
        await using var app = await Http2TestApp.StartAsync(app =>
            app.MapGet("/call", async (HttpContext ctx) =>
            {
                ctx.Response.DeclareTrailer("grpc-status");
                await ctx.Response.WriteAsync("payload");
                ctx.Response.AppendTrailer("grpc-status", "0");
            }));
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/call");

        response.Should().HaveStatus(200)
            .And.HaveBody("payload")
            .And.HaveTrailer("grpc-status", "0")
            .And.NotHaveInformational();
        // Frame order: HEADERS, DATA..., then the trailers as a HEADERS frame with END_STREAM.
        var frames = client.FrameLog.Where(f => f.Direction == FrameDirection.Received && f.StreamId == response.StreamId).ToList();
        frames.First().Type.Should().Be(Http2FrameType.Headers);
        frames.Last().Should().Match<FrameLogEntry>(f => f.Type == Http2FrameType.Headers && f.EndStream);
    }
}
