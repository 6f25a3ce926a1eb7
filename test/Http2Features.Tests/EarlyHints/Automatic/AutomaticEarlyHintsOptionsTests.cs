using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Http2Features.Tests.EarlyHints.Automatic;

public class AutomaticEarlyHintsOptionsTests
{
    private static readonly string[] Culture = ["culture"];

    [Fact]
    public void The_Automatic_section_binds_under_Http2Features_EarlyHints()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Http2Features:EarlyHints:Automatic:Enabled"] = "true",
            ["Http2Features:EarlyHints:Automatic:MaxEntries"] = "50",
            ["Http2Features:EarlyHints:Automatic:MaxBytes"] = "65536",
            ["Http2Features:EarlyHints:Automatic:NavigationsOnly"] = "false",
            ["Http2Features:EarlyHints:Automatic:AllowHttp11"] = "true",
            ["Http2Features:EarlyHints:Automatic:AllowOtherOrigins"] = "true",
            ["Http2Features:EarlyHints:Automatic:LearnFromPrivateResponses"] = "true",
            ["Http2Features:EarlyHints:Automatic:KeyRouteValues:0"] = "culture",
        }).Build();
        using var services = new ServiceCollection().AddHttp2Features(configuration.GetSection("Http2Features")).BuildServiceProvider();

        var automatic = services.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value.EarlyHints.Automatic;

        automatic.Should().BeEquivalentTo(new
        {
            Enabled = true,
            MaxEntries = 50,
            MaxBytes = 65536L,
            NavigationsOnly = false,
            AllowHttp11 = true,
            AllowOtherOrigins = true,
            LearnFromPrivateResponses = true,
            KeyRouteValues = Culture,
        });
    }

    [Fact]
    public void Defaults_are_off_bounded_navigations_over_HTTP2_same_origin()
    {
        var automatic = new Http2FeaturesOptions().EarlyHints.Automatic;

        automatic.Should().BeEquivalentTo(new
        {
            Enabled = false,
            MaxEntries = 1000,
            MaxBytes = 1024L * 1024,
            NavigationsOnly = true,
            AllowHttp11 = false,
            AllowOtherOrigins = false,
            LearnFromPrivateResponses = false,
            KeyRouteValues = Array.Empty<string>(),
        });
    }

    [Theory]
    [InlineData("MaxEntries", "0", "Http2Features:EarlyHints:Automatic:MaxEntries must be between 1 and 1,000,000; got 0.")]
    [InlineData("MaxBytes", "100", "Http2Features:EarlyHints:Automatic:MaxBytes must be between 4096 and 1073741824 bytes; got 100.")]
    [InlineData("KeyRouteValues:0", " ", "Http2Features:EarlyHints:Automatic:KeyRouteValues:0 is empty; name a route value such as 'culture'.")]
    public void Out_of_range_values_fail_validation_with_the_setting_named(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Http2Features:EarlyHints:Automatic:" + key] = value,
        }).Build();
        using var services = new ServiceCollection().AddHttp2Features(configuration.GetSection("Http2Features")).BuildServiceProvider();

        var read = () => services.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().Contain(message);
    }

    [Fact]
    public async Task An_invalid_value_stops_the_host_at_start()
    {
        var host = new AutomaticHintsTestHost();

        var start = () => host.StartAsync(o => o.EarlyHints.Automatic.MaxEntries = -1);

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Http2Features:EarlyHints:Automatic:MaxEntries");
    }
}
