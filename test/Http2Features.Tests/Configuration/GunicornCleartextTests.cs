using System.Net;
using System.Net.Http;
using FluentAssertions;
using Ids = Http2Features.Http2FeaturesEventIds.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>
/// gunicorn's own h2c command, <c>--http-protocols h2,h1 --http2-cleartext prior-knowledge</c>, on real Kestrel:
/// peers in forwarded_allow_ips (default 127.0.0.1,::1) get HTTP/2 with prior knowledge, others HTTP/1.1.
/// </summary>
public sealed class GunicornCleartextTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Trusted_peer_gets_h2c_with_prior_knowledge_on_an_h2_h1_cleartext_port()
    {
        await using var server = await GunicornTestServer.StartAsync(["-b", "127.0.0.1:0", "--http-protocols", "h2,h1", "--http2-cleartext", "prior-knowledge"], _files.Root);
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var body = await client.GetStringAsync(server.Address, TestContext.Current.CancellationToken);

        body.Should().Be("HTTP/2 http");
        server.Logs.Entries.Should().Contain(e => e.Id.Id == Ids.GunicornBind && e.Field("Scheme") == "http" && e.Message.Contains("h2c (prior knowledge) for peers in forwarded_allow_ips, http/1.1 for the others", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Peer_outside_forwarded_allow_ips_gets_HTTP_1_1_on_the_same_port()
    {
        await using var server = await GunicornTestServer.StartAsync(
            ["-b", "127.0.0.1:0", "--http-protocols", "h2,h1", "--http2-cleartext", "prior-knowledge", "--forwarded-allow-ips", "10.0.0.1"], _files.Root);
        using var http11 = new HttpClient { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        (await http11.GetStringAsync(server.Address, TestContext.Current.CancellationToken)).Should().Be("HTTP/1.1 http");
        var act = () => h2c.GetStringAsync(server.Address, TestContext.Current.CancellationToken);
        await act.Should().ThrowAsync<HttpRequestException>("an untrusted peer is served HTTP/1.1 exactly as if h2c were off");
    }
}
