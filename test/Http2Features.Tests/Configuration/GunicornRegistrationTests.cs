using FluentAssertions;
using Http2Features.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Http2Features.Tests.Configuration;

/// <summary>What UseGunicornSettings registers and sets up while the host is built (raw_env, logging services, the key file).</summary>
[Collection(nameof(ProcessEnvironmentRunsAlone))]
public sealed class GunicornRegistrationTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private WebApplicationBuilder Builder(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = _files.Root });
        builder.WebHost.UseGunicornSettings(args, o =>
        {
            o.ReadEnvironmentVariable = false;
            o.UseEmbeddedDefault = false;
            o.ExitOnInvalidSettings = false;
        });
        return builder;
    }

    [Fact]
    public void Raw_env_variables_are_set_before_the_app_reads_its_configuration()
    {
        var name = "H2F_RAW_ENV_" + Guid.NewGuid().ToString("N");
        try
        {
            var builder = Builder("-e", name + "=from gunicorn", "--env", name + "_2=a=b");

            builder.Configuration[name].Should().Be("from gunicorn");
            Environment.GetEnvironmentVariable(name + "_2").Should().Be("a=b", "gunicorn splits at the first '='");
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
            Environment.SetEnvironmentVariable(name + "_2", null);
        }
    }

    [Fact]
    public void Raw_env_without_an_equals_sign_is_an_error()
    {
        _files.Load(args: ["-e", "JUSTANAME"]).ErrorMessages.Should().ContainSingle().Which.Should()
            .StartWith("raw_env = JUSTANAME (command-line flag -e): 'JUSTANAME' is not a KEY=VALUE pair");
    }

    [Fact]
    public async Task The_error_log_provider_is_registered_only_when_errorlog_asks_for_it()
    {
        await using var none = Builder("-b", "127.0.0.1:0").Build();
        none.Services.GetServices<ILoggerProvider>().OfType<GunicornErrorLogProvider>().Should().BeEmpty("no errorlog, no extra logging provider");

        await using var stderr = Builder("-b", "127.0.0.1:0", "--error-logfile", "-").Build();
        stderr.Services.GetServices<ILoggerProvider>().OfType<GunicornErrorLogProvider>().Should().ContainSingle();
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_development_key_file_is_created_owner_only_and_replaced_atomically()
    {
        var key = Path.Combine(_files.Root, "certs", "k.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(key)!);
        File.WriteAllText(key, "old");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        DevelopmentCertificate.WritePrivate(key, "secret");

        File.GetUnixFileMode(key).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the new file is created 0600 and renamed over the old one");
        File.ReadAllText(key).Should().Be("secret");
        Directory.GetFiles(Path.GetDirectoryName(key)!).Should().ContainSingle("no temporary file is left behind");
    }
}
