using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Tests;

public class AddHttp2FeaturesTests
{
    [Fact]
    public void AddHttp2Features_registers_options_that_resolve()
    {
        var services = new ServiceCollection();
        services.AddHttp2Features();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value.Should().NotBeNull();
    }

    [Fact]
    public void AddHttp2Features_with_callback_applies_the_callback()
    {
        var services = new ServiceCollection();
        services.AddHttp2Features(o => o.EarlyHints.MaxTotalSize = 4096);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value.EarlyHints.MaxTotalSize.Should().Be(4096);
    }

    [Fact]
    public void AddHttp2Features_with_configuration_binds_the_capability_sections()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EarlyHints:MaxTotalSize"] = "2048",
            ["Trailers:UndeclaredTrailerPolicy"] = "Throw",
        }).Build();
        var services = new ServiceCollection();
        services.AddHttp2Features(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value;
        options.EarlyHints.MaxTotalSize.Should().Be(2048);
        options.Trailers.UndeclaredTrailerPolicy.Should().Be(UndeclaredTrailerPolicy.Throw);
    }

    [Fact]
    public void AddHttp2Features_with_configuration_binds_that_section_instead_of_the_default_one()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Http2Features:EarlyHints:MaxTotalSize"] = "1000",
            ["Http2Features:EarlyHints:Enabled"] = "false",
            ["Mine:EarlyHints:MaxTotalSize"] = "2048",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddHttp2Features(configuration.GetSection("Mine"));
        services.AddHttp2Features(); // a second plain call (a library's) keeps the explicit section
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value;
        options.EarlyHints.MaxTotalSize.Should().Be(2048);
        options.EarlyHints.Enabled.Should().BeTrue("the default Http2Features section is not bound when another one is named");
    }

    [Fact]
    public async Task The_Http2Features_section_of_appsettings_json_turns_early_hints_off_over_the_wire()
    {
        await using var app = await StartWithAppSettingsAsync("""{ "Http2Features": { "EarlyHints": { "Enabled": false } } }""");
        await using var client = await RawHttp2Client.ConnectAsync(AddressOf(app), cancellationToken: TestContext.Current.CancellationToken);

        var response = await client.GetAsync("/hint", TestContext.Current.CancellationToken);

        response.Status.Should().Be(200);
        response.Informational.Should().BeEmpty("EarlyHints:Enabled = false in appsettings.json stops every 103");
    }

    [Fact]
    public async Task Without_the_section_the_same_app_sends_its_103()
    {
        await using var app = await StartWithAppSettingsAsync("""{ "Logging": { "LogLevel": { "Default": "Warning" } } }""");
        await using var client = await RawHttp2Client.ConnectAsync(AddressOf(app), cancellationToken: TestContext.Current.CancellationToken);

        var response = await client.GetAsync("/hint", TestContext.Current.CancellationToken);

        response.Informational.Should().ContainSingle().Which.Status.Should().Be(103);
    }

    [Fact]
    public async Task An_out_of_range_value_in_appsettings_json_stops_start_up_with_a_message_naming_the_setting()
    {
        var start = () => StartWithAppSettingsAsync("""{ "Http2Features": { "EarlyHints": { "MaxTotalSize": 5 } } }""");

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .Which.Message.Should().Contain("Http2Features:EarlyHints:MaxTotalSize must be between 64 and 65536 bytes; got 5");
    }

    private static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    /// <summary>A Program.cs like the README's, with an appsettings.json in its content root, on real Kestrel with TLS.</summary>
    private static async Task<WebApplication> StartWithAppSettingsAsync(string appSettingsJson)
    {
        var root = Directory.CreateTempSubdirectory("h2f-appsettings-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "appsettings.json"), appSettingsJson, TestContext.Current.CancellationToken);
            // No reload-on-change: the folder is deleted once the configuration has been read.
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                Args = ["--hostBuilder:reloadConfigOnChange=false"],
                ContentRootPath = root.FullName,
                EnvironmentName = "Production",
            });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, lo => lo.UseHttps(TestCertificates.Shared)));
            builder.Services.AddHttp2Features();
            var app = builder.Build();
            app.MapGet("/hint", async (HttpContext context) =>
            {
                await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/site.css", "style"));
                return "ok";
            });
            try
            {
                await app.StartAsync(TestContext.Current.CancellationToken);
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            return app;
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Invalid_options_stop_start_up_with_a_message_naming_the_setting()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddHttp2Features(o => o.EarlyHints.MaxTotalSize = 1);
        await using var app = builder.Build();

        var start = () => app.StartAsync(TestContext.Current.CancellationToken);

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .Which.Message.Should().Contain("Http2Features:EarlyHints:MaxTotalSize").And.Contain("got 1");
    }
}
