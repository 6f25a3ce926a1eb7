using Http2Features;
using Http2Features.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>
/// Applies gunicorn-style settings to Kestrel: <c>builder.WebHost.UseGunicornSettings(args)</c>.
/// </summary>
/// <remarks>
/// Sources, later overriding earlier: a gunicorn config file (<c>-c gunicorn.conf.py</c>), the <c>Gunicorn</c>
/// configuration section (snake_case keys), the <c>GUNICORN_CMD_ARGS</c> environment variable, and gunicorn's
/// command-line flags in the arguments passed in. The settings are read when this method runs, so <c>raw_env</c>
/// variables are set (and the configuration reloaded) before the app reads its configuration. Passing the same
/// <c>args</c> to <c>WebApplication.CreateBuilder(args)</c> is safe: its command-line provider skips single-dash
/// switches it does not know (<c>-b</c>, <c>-c</c>, <c>-w</c>) together with their values, and <c>--flag value</c>
/// pairs only add unused root keys. An invalid setting ends the process with one message and exit code 1, as
/// gunicorn does (see <see cref="GunicornOptions.ExitOnInvalidSettings"/>). See docs/configuration.md for the
/// mapping of every setting.
/// </remarks>
public static class GunicornWebHostBuilderExtensions
{
    /// <summary>Reads gunicorn settings from all sources and applies them to Kestrel and the host.</summary>
    /// <param name="builder">The web host builder (<c>builder.WebHost</c>).</param>
    /// <param name="args">The process arguments; gunicorn flags are picked out, everything else is ignored.</param>
    /// <returns>The same builder.</returns>
    public static IWebHostBuilder UseGunicornSettings(this IWebHostBuilder builder, string[] args) =>
        UseGunicornSettings(builder, args, static _ => { });

    /// <summary>Reads gunicorn settings from all sources and applies them to Kestrel and the host.</summary>
    /// <param name="builder">The web host builder (<c>builder.WebHost</c>).</param>
    /// <param name="args">The process arguments; gunicorn flags are picked out, everything else is ignored.</param>
    /// <param name="configure">Adjusts where settings are read from (config file, section name, embedded default).</param>
    /// <returns>The same builder.</returns>
    public static IWebHostBuilder UseGunicornSettings(this IWebHostBuilder builder, string[] args, Action<GunicornOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configure);

        return builder.ConfigureServices((context, services) =>
        {
            void Configure(GunicornOptions o)
            {
                o.Arguments.Clear(); // a second call replaces the arguments of the first
                foreach (var arg in args)
                {
                    o.Arguments.Add(arg);
                }

                configure(o);
            }

            var options = new GunicornOptions();
            Configure(options);
            var result = GunicornSettingsProvider.Load(options, context.Configuration, context.HostingEnvironment.ContentRootPath, context.HostingEnvironment.EnvironmentName);
            if (result.Errors.Count > 0 && options.ExitOnInvalidSettings)
            {
                GunicornStartupFailure.Exit(result.Errors);
            }

            ApplyRawEnvironment(result.Settings, context.Configuration);

            services.AddOptions<GunicornOptions>().Configure(Configure);
            services.AddOptions<GunicornStartupCheck>().ValidateOnStart();
            services.RemoveAll<GunicornSettingsProvider>();
            services.AddSingleton(new GunicornSettingsProvider(result));
            if (result.Settings?.Logging.ErrorLog is not null)
            {
                // gunicorn's error log replaces the console; only registered when errorlog asks for it.
                services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, GunicornErrorLogProvider>());
            }

            if (services.Any(d => d.ServiceType == typeof(GunicornKestrelSetup)))
            {
                return; // the setups below are registered once; a second call only replaces the settings
            }

            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GunicornStartupCheck>, GunicornStartupValidator>());
            services.TryAddSingleton<GunicornKestrelSetup>();
            services.AddTransient<IConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<GunicornKestrelSetup>());
            services.AddTransient<IPostConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<GunicornKestrelSetup>());
            services.TryAddSingleton<GunicornHostSetup>();
            services.AddTransient<IConfigureOptions<HostOptions>>(sp => sp.GetRequiredService<GunicornHostSetup>());
            services.AddTransient<IConfigureOptions<SocketTransportOptions>>(sp => sp.GetRequiredService<GunicornHostSetup>());
            services.AddTransient<IPostConfigureOptions<LoggerFilterOptions>>(sp => sp.GetRequiredService<GunicornHostSetup>());
            services.AddTransient<IConfigureOptions<ForwardedHeadersOptions>>(sp => sp.GetRequiredService<GunicornHostSetup>());
            services.TryAddSingleton<GunicornLogTargets>();
            services.AddTransient<IStartupFilter, GunicornStartupFilter>();
        });
    }

    /// <summary>
    /// raw_env: gunicorn sets these in os.environ before it loads the app. Here they are set before the app reads
    /// its configuration, and the configuration is reloaded so the environment-variables provider sees them.
    /// </summary>
    private static void ApplyRawEnvironment(GunicornSettings? settings, IConfiguration configuration)
    {
        if (settings is not { Process.Environment.Count: > 0 })
        {
            return;
        }

        foreach (var (key, value) in settings.Process.Environment)
        {
            Environment.SetEnvironmentVariable(key, value);
        }

        (configuration as IConfigurationRoot)?.Reload();
    }
}
