using FluentAssertions;
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
    public void AddHttp2Features_with_callback_runs_the_callback()
    {
        var ran = false;
        var services = new ServiceCollection();
        services.AddHttp2Features(_ => ran = true);
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value;
        ran.Should().BeTrue();
    }
}
