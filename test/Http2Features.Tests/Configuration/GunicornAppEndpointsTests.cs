using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Http2Features.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Ids = Http2Features.Http2FeaturesEventIds.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>
/// No bind: gunicorn's TLS and protocol settings reach the endpoints the app has (URLs, a launch profile's
/// applicationUrl), or start-up says with a Warning which setting was not applied and how to fix it.
/// </summary>
public sealed class GunicornAppEndpointsTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private GunicornLoadResult Load(string[] args, Dictionary<string, string?> configuration, string? launchProfile = null, string? environmentUrls = null, string environmentName = "Production") =>
        GunicornSettingsLoader.Load(new GunicornLoadInput
        {
            Arguments = args,
            Configuration = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build(),
            ContentRoot = _files.Root,
            UseEmbeddedDefault = true,
            EnvironmentName = environmentName,
            LaunchProfile = launchProfile,
            EnvironmentUrls = environmentUrls,
        });

    [Fact]
    public async Task Certfile_keyfile_and_http_protocols_apply_to_an_https_URL_of_the_app()
    {
        var (cert, key) = _files.Certificate();
        await using var server = await GunicornTestServer.StartAsync(
            ["--urls", "https://127.0.0.1:0", "--certfile", cert, "--keyfile", key, "--http-protocols", "h2,h1"], _files.Root);
        var expected = X509Certificate2.CreateFromPem(File.ReadAllText(cert));

        var (stream, negotiated, error) = await GunicornTestServer.TlsAsync(server.Address, SslApplicationProtocol.Http11, SslApplicationProtocol.Http2);
        await using (stream)
        {
            error.Should().BeNull();
            negotiated.Should().Be(SslApplicationProtocol.Http2, "http_protocols h2,h1 is the server's ALPN preference on the URL endpoint too");
            stream!.RemoteCertificate!.GetCertHashString().Should().Be(expected.GetCertHashString(), "certfile is the URL endpoint's certificate");
        }

        using var client = GunicornTestServer.Client(expected, HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);
        (await client.GetStringAsync(server.Address, TestContext.Current.CancellationToken)).Should().Be("HTTP/2 https");
        server.Logs.Entries.Should().NotContain(e => e.Level >= LogLevel.Warning && e.Category == GunicornLog.Category
            && e.Id.Id != Ids.GunicornSelfSignedCertificate); // the test certificate is self-signed, the environment Production
        server.Logs.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Id.Id == Ids.GunicornSelfSignedCertificate
            && e.Id.Name == nameof(Ids.GunicornSelfSignedCertificate) && e.Field("Environment") == "Production");
    }

    [Fact]
    public async Task Certfile_with_only_http_URLs_logs_a_warning_naming_the_settings_and_the_fix()
    {
        var (cert, key) = _files.Certificate();
        await using var server = await GunicornTestServer.StartAsync(["--urls", "http://127.0.0.1:0", "--certfile", cert, "--keyfile", key], _files.Root);

        server.Logs.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Id.Id == Ids.GunicornTlsSettingsWithoutHttps
            && e.Field("Settings") == "certfile, keyfile" && e.Field("Source") == "command-line flag --certfile" && e.Field("Endpoints") == "urls=http://127.0.0.1:0"
            && e.Message.Contains("certfile, keyfile", StringComparison.Ordinal)
            && e.Message.Contains("http://127.0.0.1:0", StringComparison.Ordinal)
            && e.Message.Contains("-b 127.0.0.1:8443", StringComparison.Ordinal));
        using var client = new HttpClient();
        (await client.GetStringAsync(server.Address, TestContext.Current.CancellationToken)).Should().Be("HTTP/1.1 http");
    }

    [Fact]
    public void Http_protocols_h2_on_an_http_URL_is_a_warning_with_the_fix_not_silence()
    {
        var result = Load(["--http-protocols", "h2,h1"], new() { ["urls"] = "http://127.0.0.1:5000" });

        result.ErrorMessages.Should().BeEmpty();
        result.Logged().Should().Contain(d => d.Level == LogLevel.Warning && d.Id.Id == Ids.GunicornH2NotAppliedToAppEndpoints
            && d.Field("Value") == "h2,h1" && d.Field("Source") == "command-line flag --http-protocols" && d.Field("Endpoints") == "urls=http://127.0.0.1:5000"
            && d.Message.StartsWith("http_protocols = ", StringComparison.Ordinal)
            && d.Message.Contains("http2_cleartext", StringComparison.Ordinal) && d.Message.Contains("https://", StringComparison.Ordinal));
    }

    [Fact]
    public void An_http_only_launch_profile_gives_way_to_the_embedded_default_with_a_warning()
    {
        // What dotnet run does with the template's first profile ("http": applicationUrl http://localhost:5099).
        var result = Load([], new() { ["urls"] = "http://localhost:5099" }, launchProfile: "http", environmentUrls: "http://localhost:5099", environmentName: "Development");

        result.ErrorMessages.Should().BeEmpty();
        result.Settings!.Listen.UsesEmbeddedDefault.Should().BeTrue();
        result.Settings.Listen.Binds.Select(b => b.ToString()).Should().Equal("127.0.0.1:8443");
        result.Settings.Tls.Enabled.Should().BeTrue();
        result.Logged().Should().Contain(d => d.Level == LogLevel.Warning && d.Id.Id == Ids.GunicornEmbeddedDefaultReplacesLaunchProfile
            && d.Field("LaunchProfile") == "http" && d.Field("Urls") == "urls=http://localhost:5099" && d.Field("Address") == "127.0.0.1:8443"
            && d.Message.Contains("launch profile 'http'", StringComparison.Ordinal) && d.Message.Contains("https://127.0.0.1:8443", StringComparison.Ordinal));
        result.Logged().Should().Contain(d => (d.Id.Id == Ids.GunicornDevelopmentCertificateCreated || d.Id.Id == Ids.GunicornDevelopmentCertificateReused)
            && d.Level == LogLevel.Information && d.Field("Environment") == "Development", "Development: the generated certificate is expected");
    }

    [Fact]
    public void An_https_launch_profile_is_served_as_the_apps_own_endpoints()
    {
        const string urls = "https://localhost:7159;http://localhost:5099";
        var result = Load([], new() { ["urls"] = urls }, launchProfile: "https", environmentUrls: urls, environmentName: "Development");

        result.Settings!.Listen.UsesEmbeddedDefault.Should().BeFalse();
        result.Settings.Listen.AppEndpoints.Should().Be(new AppEndpoints("urls=" + urls, HasHttps: true, FromLaunchProfile: true));
        result.Settings.Protocols.Protocols.Should().Be(HttpProtocols.Http1AndHttp2);
    }

    [Fact]
    public void URLs_set_outside_a_launch_profile_are_the_apps_choice_even_when_http_only()
    {
        var result = Load([], new() { ["urls"] = "http://+:8080" }, launchProfile: "http", environmentUrls: "http://localhost:5099");

        result.Settings!.Listen.UsesEmbeddedDefault.Should().BeFalse("--urls differs from the launch profile's ASPNETCORE_URLS");
        result.Settings.Listen.AppEndpoints!.HasHttps.Should().BeFalse();
    }

    [Fact]
    public void The_embedded_defaults_self_signed_certificate_outside_Development_is_a_warning()
    {
        var result = Load([], [], environmentName: "Production");

        result.Logged().Should().Contain(d => (d.Id.Id == Ids.GunicornDevelopmentCertificateCreated || d.Id.Id == Ids.GunicornDevelopmentCertificateReused)
            && d.Level == LogLevel.Warning && d.Field("Environment") == "Production"
            && d.Message.Contains("Development only", StringComparison.Ordinal) && d.Message.Contains("certfile and keyfile", StringComparison.Ordinal));
    }

    [Fact]
    public void A_self_signed_certfile_outside_Development_is_a_warning()
    {
        var (cert, key) = _files.Certificate();
        var result = Load(["-b", "127.0.0.1:0", "--certfile", cert, "--keyfile", key], [], environmentName: "Staging");

        result.Logged().Should().Contain(d => d.Id.Id == Ids.GunicornSelfSignedCertificate && d.Level == LogLevel.Warning
            && d.Field("Source") == "command-line flag --certfile" && d.Field("Environment") == "Staging"
            && d.Message.Contains("self-signed", StringComparison.Ordinal) && d.Message.Contains("Staging", StringComparison.Ordinal));
    }

    [Fact]
    public void Kestrel_keeps_the_https_defaults_action_the_binder_chains_onto()
    {
        // Pinning test: KestrelServerOptions.HttpsDefaults is internal; the binder reads it to chain, not replace.
        var options = new KestrelServerOptions();
        Action<HttpsConnectionAdapterOptions> mine = _ => { };
        options.ConfigureHttpsDefaults(mine);

        Http2Features.Connection.KestrelInternals.GetHttpsDefaults(options).Should().BeSameAs(mine);
        Action<ListenOptions> endpoint = _ => { };
        options.ConfigureEndpointDefaults(endpoint);
        Http2Features.Connection.KestrelInternals.GetEndpointDefaults(options).Should().BeSameAs(endpoint);
    }
}
