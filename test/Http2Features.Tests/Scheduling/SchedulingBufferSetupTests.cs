using FluentAssertions;
using Http2Features.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Http2Features.Tests.Scheduling;

/// <summary>With scheduling on, the two buffers below the scheduler shrink to ResponseBufferSize unless the app set them.</summary>
public class SchedulingBufferSetupTests
{
    private static (long Response, long Socket) BuffersOf(Action<Http2FeaturesOptions> configure, Action<WebApplicationBuilder>? app = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddHttp2Features(configure);
        app?.Invoke(builder);
        using var built = builder.Build();
        return (built.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxResponseBufferSize!.Value,
            built.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.MaxWriteBufferSize!.Value);
    }

    [Fact]
    public void Kestrels_defaults_are_64_KiB_as_the_setup_assumes()
    {
        // Pins Kestrel: the setup only replaces values equal to this default.
        new KestrelServerOptions().Limits.MaxResponseBufferSize.Should().Be(SchedulingBufferSetup.KestrelDefault);
        new SocketTransportOptions().MaxWriteBufferSize.Should().Be(SchedulingBufferSetup.KestrelDefault);
    }

    [Fact]
    public void Scheduling_on_lowers_both_buffers_to_ResponseBufferSize()
    {
        BuffersOf(o => o.Priority.Scheduling.Enabled = true).Should().Be((16 * 1024L, 16 * 1024L));
        BuffersOf(o => { o.Priority.Scheduling.Enabled = true; o.Priority.Scheduling.ResponseBufferSize = 32 * 1024; }).Should().Be((32 * 1024L, 32 * 1024L));
    }

    [Fact]
    public void Scheduling_off_or_ResponseBufferSize_0_leaves_Kestrels_defaults()
    {
        BuffersOf(_ => { }).Should().Be((64 * 1024L, 64 * 1024L));
        BuffersOf(o => { o.Priority.Scheduling.Enabled = true; o.Priority.Scheduling.ResponseBufferSize = 0; }).Should().Be((64 * 1024L, 64 * 1024L));
    }

    [Fact]
    public void Values_the_app_set_itself_stand()
    {
        BuffersOf(o => o.Priority.Scheduling.Enabled = true, b =>
        {
            b.WebHost.ConfigureKestrel(k => k.Limits.MaxResponseBufferSize = 1024 * 1024);
            b.WebHost.UseSockets(s => s.MaxWriteBufferSize = 256 * 1024);
        }).Should().Be((1024 * 1024L, 256 * 1024L));
    }

    [Fact]
    public void An_out_of_range_ResponseBufferSize_is_a_start_up_error_naming_the_setting()
    {
        var failures = new List<string>();
        new ResponseSchedulingOptions { ResponseBufferSize = -1 }.Validate(failures);

        failures.Should().ContainSingle().Which.Should().Be("Http2Features:Priority:Scheduling:ResponseBufferSize must be between 0 and 16777216 bytes; got -1.");
    }
}
