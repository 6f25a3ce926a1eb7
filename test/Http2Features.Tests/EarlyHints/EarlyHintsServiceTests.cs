using FluentAssertions;
using Http2Features.EarlyHints;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.EarlyHints;

public sealed class EarlyHintsServiceTests
{
    [Fact]
    public void Options_follow_a_configuration_reload_although_they_are_read_once_per_reload()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Http2Features:EarlyHints:Enabled"] = "true" })
            .Build();
        var services = new ServiceCollection().AddLogging().AddMetrics().AddSingleton<IConfiguration>(configuration);
        services.AddHttp2Features();
        using var provider = services.BuildServiceProvider();
        var service = provider.GetRequiredService<EarlyHintsService>();
        service.Options.Enabled.Should().BeTrue();

        configuration["Http2Features:EarlyHints:Enabled"] = "false";
        configuration.Reload();
        service.Options.Enabled.Should().BeFalse("a reload of the section drops the cached options");

        configuration["Http2Features:EarlyHints:Enabled"] = "true";
        configuration.Reload();
        service.Options.Enabled.Should().BeTrue();
    }

    [Fact]
    public async Task A_hint_on_a_seam_connection_finds_the_service_there_and_creates_no_request_service_scope()
    {
        // HttpContext.RequestServices creates the request's DI scope on first use; an endpoint that never asks for
        // services must not pay for one because it sent a 103.
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(async context =>
            {
                var result = await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/a.css", "style"));
                var scoped = context.Features.Get<IServiceProvidersFeature>() is not null;
                await context.Response.WriteAsync($"{result.Status}|{scoped}");
            }),
            b => b.Services.AddHttp2Features());
        await using var client = await app.CreateRawClientAsync();

        var response = await client.GetAsync("/", TestContext.Current.CancellationToken);

        response.Informational.Should().ContainSingle();
        response.BodyText.Should().Be("Sent|False");
    }
}
