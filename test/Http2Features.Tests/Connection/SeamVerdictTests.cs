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
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Malformed => new()
    {
        "priority-length-4",
        "priority-on-stream-0",
        "headers-on-even-stream",
        "oversize-frame",
        "priority-update-then-self-dependent-headers",
        "truncated-settings",
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_input_gets_the_same_GOAWAY_with_and_without_the_pack(string kind)
    {
        var without = await GoAwayCodeAsync(kind, addPack: false);
        var with = await GoAwayCodeAsync(kind, addPack: true);

        with.Should().Be(without, $"the seam must not change Kestrel's verdict on {kind}");
    }

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

        seam!.ClientSettings.HeaderTableSize.Should().Be(256u);
        seam.ClientSettings.EffectiveHeaderTableSize.Should().Be(256u);
        seam.ClientSettings.HeaderTableSizeChanges.Should().Be(2);
        seam.ClientSettings.MaxFrameSize.Should().Be(20000u);
        seam.ClientSettings.TableSizeUpdatePending.Should().BeTrue("nothing on the output side has taken it yet");

        // Pins the Kestrel behaviour the model mirrors: its next header block carried one size update to 256.
        client.Decoder.TableSizeUpdatesSeen.Should().Be(1);
        client.Decoder.DynamicTableMaxSize.Should().Be(256);
        seam.ClientSettings.TryTakeTableSizeUpdate().Should().BeTrue();
        seam.ClientSettings.TableSizeUpdatePending.Should().BeFalse();
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
        seam!.ClientSettings.HeaderTableSize.Should().Be(65536u);
        seam.ClientSettings.EffectiveHeaderTableSize.Should().Be(4096u, "Kestrel's encoder uses min(client, Limits.Http2.HeaderTableSize)");
        seam.ClientSettings.TableSizeUpdatePending.Should().BeFalse();
        client.Decoder.TableSizeUpdatesSeen.Should().Be(0, "Kestrel's encoder size did not change, so it sent no update");
    }

    private static async Task<Http2ErrorCode> GoAwayCodeAsync(string kind, bool addPack)
    {
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(context => context.Response.WriteAsync("ok")),
            b =>
            {
                if (addPack)
                {
                    b.Services.AddHttp2Features();
                }
            });
        await using var client = await app.CreateRawClientAsync();
        var ct = TestContext.Current.CancellationToken;

        switch (kind)
        {
            case "priority-length-4":
                await client.WriteFrameAsync(0x2, 0, 1, new byte[4], ct);
                break;
            case "priority-on-stream-0":
                await client.WriteFrameAsync(0x2, 0, 0, new byte[5], ct);
                break;
            case "headers-on-even-stream":
                await client.WriteFrameAsync(0x1, 0x5, 2, new byte[] { 0x82 }, ct);
                break;
            case "oversize-frame":
                await client.WriteFrameAsync(0x0, 0, 1, new byte[20000], ct);
                break;
            case "priority-update-then-self-dependent-headers":
                await client.SendPriorityUpdateAsync(1, "u=1", ct);
                await client.SendPriorityAsync(3, 3, 16, false, ct);
                break;
            case "truncated-settings":
                await client.WriteFrameAsync(0x4, 0, 0, new byte[7], ct);
                break;
        }

        return (await client.WaitForGoAwayAsync(Timeout)).ErrorCode;
    }
}
