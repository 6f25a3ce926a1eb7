using FluentAssertions;
using Http2Features.Connection;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Tests.Connection;

/// <summary>
/// The seam only reads: hostile or malformed input must get exactly the GOAWAY Kestrel sends without the
/// pack, and the client's SETTINGS must be observed in arrival order.
/// </summary>
public partial class SeamVerdictTests
{
    [Fact]
    public async Task Client_SETTINGS_are_observed_in_arrival_order()
    {
        IConnectionSeam? seam = null;
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(context =>
            {
                seam = context.Features.Get<IConnectionSeam>();
                return context.Response.WriteAsync("ok");
            }),
            b => b.Services.AddHttp2Features());
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions
        {
            ClientSettings = new Http2Settings { EnablePush = 0, HeaderTableSize = 1024, MaxFrameSize = 20000 },
        });

        await client.SendSettingsAsync(new Http2Settings { HeaderTableSize = 256 }, TestContext.Current.CancellationToken);
        await client.GetAsync("/", TestContext.Current.CancellationToken);

        ((ConnectionSeamState)seam!).ClientSettings.HeaderTableSize.Should().Be(256u);
        ((ConnectionSeamState)seam).ClientSettings.HeaderTableSizeChanges.Should().Be(2);

        // Kestrel's next header block carried one size update to 256 (the writer leaves announcing it to Kestrel).
        client.Decoder.TableSizeUpdatesSeen.Should().Be(1);
        client.Decoder.DynamicTableMaxSize.Should().Be(256);
    }

    [Fact]
    public async Task A_client_table_size_above_Kestrels_limit_leaves_the_encoder_size_and_owes_no_update()
    {
        IConnectionSeam? seam = null;
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(context =>
            {
                seam = context.Features.Get<IConnectionSeam>();
                return context.Response.WriteAsync("ok");
            }),
            b => b.Services.AddHttp2Features());
        await using var client = await app.CreateRawClientAsync(new RawHttp2ClientOptions
        {
            ClientSettings = new Http2Settings { EnablePush = 0, HeaderTableSize = 65536 },
        });

        var response = await client.GetAsync("/", TestContext.Current.CancellationToken);

        response.Status.Should().Be(200);
        ((ConnectionSeamState)seam!).ClientSettings.HeaderTableSize.Should().Be(65536u);
        client.Decoder.TableSizeUpdatesSeen.Should().Be(0, "Kestrel's encoder size did not change, so it sent no update");
    }
}
