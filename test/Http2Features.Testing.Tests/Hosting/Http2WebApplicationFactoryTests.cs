using System.Net;
using FluentAssertions;
using Http2Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Http2Features.Testing.Tests.Hosting;

/// <summary>The factory runs the example app's real Program (with AddHttp2Features) on Kestrel.</summary>
public class Http2WebApplicationFactoryTests : IClassFixture<Http2WebApplicationFactory<Program>>
{
    private readonly Http2WebApplicationFactory<Program> _factory;

    public Http2WebApplicationFactoryTests(Http2WebApplicationFactory<Program> factory) => _factory = factory;

    [Fact]
    public void Server_listens_on_loopback_with_TLS_and_an_ephemeral_port()
    {
        _factory.ServerAddress.Scheme.Should().Be("https");
        _factory.ServerAddress.Host.Should().Be("127.0.0.1");
        _factory.ServerAddress.Port.Should().BeGreaterThan(0);
        _factory.Services.GetRequiredService<IServer>().GetType().Name.Should().Be("KestrelServerImpl", "the factory must not fall back to TestServer");
    }

    [Fact]
    public async Task HttpClient_gets_HTTP2_from_the_apps_own_Program()
    {
        var client = _factory.CreateHttp2Client();

        using var response = await client.GetAsync("/health");

        response.Version.Should().Be(HttpVersion.Version20);
        (await response.Content.ReadAsStringAsync()).Should().Be("OK");
    }

    [Fact]
    public async Task HttpClient_for_HTTP11_is_served_on_the_same_endpoint()
    {
        var client = _factory.CreateHttp11Client();

        using var response = await client.GetAsync("/health");

        response.Version.Should().Be(HttpVersion.Version11);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Raw_client_negotiates_h2_and_reads_the_response()
    {
        var client = await _factory.CreateRawClientAsync();

        var response = await client.GetAsync("/health");

        client.NegotiatedProtocol.Should().Be("h2");
        response.Should().HaveStatus(200).And.HaveBody("OK").And.HaveCompleted();
    }

    [Fact]
    public void The_app_registered_the_pack()
    {
        _factory.Services.GetService<IOptions<Http2FeaturesOptions>>().Should().NotBeNull("Program calls AddHttp2Features()");
    }
}

public class Http2WebApplicationFactoryCustomisationTests
{
    [Fact]
    public async Task Cleartext_h2c_and_Kestrel_limits_can_be_set_by_a_derived_factory()
    {
        await using var factory = new LimitedFactory();
        factory.ServerOptions.Tls = false;

        var client = await factory.CreateRawClientAsync();

        factory.ServerAddress.Scheme.Should().Be("http");
        client.NegotiatedProtocol.Should().BeNull();
        client.ServerSettings.MaxConcurrentStreams.Should().Be(7u);
        (await client.GetAsync("/health")).Should().HaveStatus(200);
    }

    [Fact]
    public async Task ConfigureListenOptions_runs_after_UseHttps_and_sees_decrypted_bytes()
    {
        await using var factory = new Http2WebApplicationFactory<Program>();
        var sawPreface = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        factory.ServerOptions.ConfigureListenOptions = listen => listen.Use(next => async connection =>
        {
            var result = await connection.Transport.Input.ReadAsync();
            var buffer = result.Buffer;
            var text = System.Text.Encoding.ASCII.GetString(System.Buffers.BuffersExtensions.ToArray(buffer.Slice(0, Math.Min(buffer.Length, 3))));
            sawPreface.TrySetResult(text == "PRI");
            connection.Transport.Input.AdvanceTo(buffer.Start);
            await next(connection);
        });

        var client = await factory.CreateRawClientAsync();
        (await client.GetAsync("/health")).Should().HaveStatus(200);

        (await sawPreface.Task.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue("middleware after UseHttps reads the plaintext HTTP/2 preface");
    }

    [Fact]
    public async Task WithHttp2WebHostBuilder_gives_a_second_real_Kestrel_server_with_the_override_and_the_parents_limits()
    {
        await using var factory = new LimitedFactory();
        var derived = factory.WithHttp2WebHostBuilder(b => b.UseSetting("Test:Marker", "derived"));

        var client = await derived.CreateRawClientAsync();

        derived.ServerAddress.Port.Should().NotBe(factory.ServerAddress.Port);
        derived.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Test:Marker"].Should().Be("derived");
        factory.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Test:Marker"].Should().BeNull();
        client.ServerSettings.MaxConcurrentStreams.Should().Be(7u, "the parent's ConfigureKestrelEndpoint override applies");
        (await client.GetAsync("/health")).Should().HaveStatus(200);
    }

    private sealed class LimitedFactory : Http2WebApplicationFactory<Program>
    {
        protected override void ConfigureKestrelEndpoint(KestrelServerOptions options)
        {
            options.Limits.Http2.MaxStreamsPerConnection = 7;
            base.ConfigureKestrelEndpoint(options);
        }
    }
}
