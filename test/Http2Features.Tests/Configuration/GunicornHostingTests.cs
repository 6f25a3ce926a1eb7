using FluentAssertions;
using Http2Features.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Http2Features.Tests.Configuration;

/// <summary>The public entry point wired into a real host (built, not started).</summary>
[Collection(nameof(ProcessEnvironmentRunsAlone))]
public sealed class GunicornHostingTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private WebApplication Build(string[] args, Action<GunicornOptions>? configure = null, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = _files.Root });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.WebHost.UseGunicornSettings(args, configure ?? (o =>
        {
            o.UseEmbeddedDefault = false;
            o.ReadEnvironmentVariable = false; // only the environment test reads GUNICORN_CMD_ARGS
            o.ExitOnInvalidSettings = false;
        }));
        return builder.Build();
    }

    [Fact]
    public async Task GUNICORN_CMD_ARGS_from_the_process_environment_is_read_and_loses_to_flags()
    {
        var previous = Environment.GetEnvironmentVariable(GunicornOptions.EnvironmentVariableName);
        Environment.SetEnvironmentVariable(GunicornOptions.EnvironmentVariableName, "--http2-max-concurrent-streams 33 --backlog 44");
        try
        {
            await using var app = Build(["--backlog", "55"], o => o.UseEmbeddedDefault = false);
            var kestrel = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

            kestrel.Limits.Http2.MaxStreamsPerConnection.Should().Be(33);
            app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>>().Value.Backlog.Should().Be(55);
        }
        finally
        {
            Environment.SetEnvironmentVariable(GunicornOptions.EnvironmentVariableName, previous);
        }
    }

    [Fact]
    public async Task The_Gunicorn_section_of_the_apps_configuration_is_read()
    {
        await using var app = Build([], settings: new Dictionary<string, string?> { ["Gunicorn:http2_max_frame_size"] = "65536", ["Gunicorn:keepalive"] = "9" });
        var kestrel = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        kestrel.Limits.Http2.MaxFrameSize.Should().Be(65536);
        kestrel.Limits.KeepAliveTimeout.Should().Be(TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task Section_name_and_config_file_can_be_set_in_code()
    {
        var file = _files.Write("settings.conf.py", "http2_max_concurrent_streams = 12\n");
        await using var app = Build([], o =>
        {
            o.UseEmbeddedDefault = false;
            o.ReadEnvironmentVariable = false;
            o.ConfigurationSectionName = "Server";
            o.ConfigFile = file;
        }, new Dictionary<string, string?> { ["Server:keepalive"] = "8", ["Gunicorn:keepalive"] = "99" });
        var kestrel = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        kestrel.Limits.Http2.MaxStreamsPerConnection.Should().Be(12);
        kestrel.Limits.KeepAliveTimeout.Should().Be(TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Calling_UseGunicornSettings_twice_keeps_one_set_of_arguments()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = _files.Root });
        builder.WebHost.UseGunicornSettings(["-b", "127.0.0.1:9101"], o => { o.ReadEnvironmentVariable = false; o.ExitOnInvalidSettings = false; });
        builder.WebHost.UseGunicornSettings(["-b", "127.0.0.1:9102"], o => { o.ReadEnvironmentVariable = false; o.ExitOnInvalidSettings = false; });
        await using var app = builder.Build();

        var provider = app.Services.GetRequiredService<GunicornSettingsProvider>();
        provider.Result.ErrorMessages.Should().BeEmpty();
        provider.Result.Settings!.Listen.Binds.Select(b => b.ToString()).Should().Equal("127.0.0.1:9102");
        app.Services.GetServices<IConfigureOptions<KestrelServerOptions>>().OfType<GunicornKestrelSetup>().Should().ContainSingle();
    }
}
