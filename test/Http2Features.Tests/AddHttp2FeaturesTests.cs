using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
