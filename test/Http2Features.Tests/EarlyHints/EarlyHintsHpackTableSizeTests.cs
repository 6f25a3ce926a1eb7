using FluentAssertions;
using Http2Features.Testing;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintsHpackTableSizeTests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(100u)]
    public async Task Client_with_a_smaller_header_table_decodes_the_103_and_every_later_block(uint tableSize)
    {
        var host = new EarlyHintsTestHost();
        await using var app = await host.StartAsync();
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions { ClientSettings = new Http2Settings { HeaderTableSize = tableSize, EnablePush = 0 } });

        for (var i = 0; i < 3; i++)
        {
            var response = await client.GetAsync("/hint?calls=2", TestContext.Current.CancellationToken);
            response.Informational.Should().HaveCount(2);
            response.Informational[0].Headers.GetValues("link")[0].Should().Be("</style0.css>; rel=preload; as=style");
            response.Status.Should().Be(200);
            response.BodyText.Should().Be("ok");
        }

        client.ConnectionError.Should().BeNull();
        client.GoAway.Should().BeNull();
    }
}
