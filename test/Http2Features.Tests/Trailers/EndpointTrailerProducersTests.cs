// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Trailers;

public class EndpointTrailerProducersTests
{
    [Fact]
    public async Task UseEndpointTrailerProducers_runs_producers_named_by_attributes_on_controllers_and_handlers()
    {
        await using var server = await TrailersApp.StartAsync(
            app =>
            {
                app.UseEndpointTrailerProducers();
                app.MapControllers();
                app.MapGet("/handler", [ResponseTrailers(ServerTiming = true)] () => "from handler");
                app.MapGet("/none", () => "no producers");
            },
            builder => builder.Services.AddControllers().AddApplicationPart(typeof(TrailersSampleController).Assembly));
        var client = await server.CreateRawClientAsync();

        var controller = await client.GetAsync("/sample");
        var handler = await client.GetAsync("/handler");
        var none = await client.GetAsync("/none");

        controller.BodyText.Should().Be("from controller");
        controller.Headers["trailer"].Should().Be("repr-digest, server-timing");
        controller.Trailers["repr-digest"].Should().Be($"sha-256=:{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("from controller")))}:");
        controller.Trailers["server-timing"].Should().StartWith("total;dur=");
        handler.BodyText.Should().Be("from handler");
        handler.Trailers["server-timing"].Should().StartWith("total;dur=");
        handler.Trailers.Contains("repr-digest").Should().BeFalse();
        none.Trailers.Should().BeEmpty();
        none.Headers.Contains("trailer").Should().BeFalse();
    }

    [Fact]
    public async Task Middleware_and_endpoint_filter_together_produce_each_trailer_once()
    {
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.UseEndpointTrailerProducers();
            app.MapGet("/both", () => "x").WithChecksumTrailers().WithServerTimingTrailer();
        });
        var client = await server.CreateRawClientAsync();

        var response = await client.GetAsync("/both");

        response.Trailers.GetValues("repr-digest").Should().ContainSingle();
        response.Trailers.GetValues("server-timing").Should().ContainSingle().Which.Should().NotContain(",");
        response.Headers["trailer"].Should().Be("repr-digest, server-timing");
    }
}

[ApiController]
[Route("sample")]
[ResponseTrailers(Checksums = ChecksumTrailers.ReprDigestSha256)]
public sealed class TrailersSampleController : ControllerBase
{
    [HttpGet]
    [ResponseTrailers(ServerTiming = true)]
    public IActionResult Get() => Content("from controller");
}
