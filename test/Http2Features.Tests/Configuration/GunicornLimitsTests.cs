using System.Net;
using System.Net.Http;
using FluentAssertions;
using Http2Features.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ids = Http2Features.Http2FeaturesEventIds.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>Limits that used to crash Kestrel at start (rc 134) start a real server with the mapping gunicorn means.</summary>
public sealed class GunicornLimitsTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("--limit-request-line", "0", 1024 * 1024)]
    [InlineData("--limit-request-line", "2000000", 2000000)]
    [InlineData("--http2-max-header-list-size", "2000000", 2000000)]
    public async Task Large_and_unlimited_request_limits_start_and_serve(string flag, string value, int expected)
    {
        await using var server = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", flag, value], _files.Root);
        var limits = server.App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        using var client = new HttpClient();

        (await client.GetStringAsync(server.Address, TestContext.Current.CancellationToken)).Should().Be("HTTP/1.1 http");
        (flag == "--limit-request-line" ? limits.MaxRequestLineSize : limits.MaxRequestHeadersTotalSize).Should().Be(expected);
        limits.MaxRequestBufferSize.Should().BeGreaterThanOrEqualTo(expected, "Kestrel requires the request buffer to hold the whole line or header block");
    }

    [Fact]
    public void Header_list_size_0_is_a_clear_error_because_Kestrel_needs_a_limit()
    {
        _files.Load(args: ["--http2-max-header-list-size", "0"]).ErrorMessages.Should().ContainSingle().Which.Should()
            .Contain("out of range").And.Contain("gunicorn's 0 (unlimited) cannot be expressed");
    }

    [Fact]
    public async Task Keepalive_0_closes_each_HTTP_1_1_connection_after_its_response_as_gunicorn_does()
    {
        await using var server = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "--keep-alive", "0"], _files.Root);
        using var client = new HttpClient();

        using var response = await client.GetAsync(server.Address, TestContext.Current.CancellationToken);

        response.Headers.ConnectionClose.Should().BeTrue();
        _files.Load(args: ["--keep-alive", "0"]).Settings!.Limits.KeepAliveOff.Should().BeTrue();
    }

    [Fact]
    public void Limit_request_fields_0_and_above_32768_mean_gunicorns_maximum()
    {
        _files.Load(args: ["--limit-request-fields", "0"]).Settings!.Limits.RequestFields.Should().Be(32768);
        var big = _files.Load(args: ["--limit-request-fields", "40000"]);
        big.Settings!.Limits.RequestFields.Should().Be(32768);
        big.Logged().Should().Contain(d => d.Id.Id == Ids.GunicornRequestFieldsCapped && d.Field("Setting") == "limit_request_fields"
            && d.Field("Value") == "40000" && d.Field("Maximum") == "32768" && d.Message.Contains("gunicorn caps it at 32768", StringComparison.Ordinal));
    }
}
