using FluentAssertions;
using Http2Features.EarlyHints;
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
}
