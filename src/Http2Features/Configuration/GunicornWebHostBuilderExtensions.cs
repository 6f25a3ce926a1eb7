using Http2Features;
using Http2Features.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
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
/// command-line flags in the arguments passed in. Passing the same <c>args</c> to
/// <c>WebApplication.CreateBuilder(args)</c> is safe: its command-line provider skips single-dash switches it
/// does not know (<c>-b</c>, <c>-c</c>, <c>-w</c>) together with their values, and <c>--flag value</c> pairs only
/// add unused root keys. See docs/configuration.md for the mapping of every setting.
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

        return builder.ConfigureServices(services =>
        {
            services.AddOptions<GunicornOptions>()
                .Configure(o =>
                {
                    o.Arguments.Clear(); // a second call replaces the arguments of the first
                    foreach (var arg in args)
                    {
                        o.Arguments.Add(arg);
                    }
                })
                .Configure(configure);
            services.AddOptions<GunicornStartupCheck>().ValidateOnStart();

            if (services.Any(d => d.ServiceType == typeof(GunicornSettingsProvider)))
            {
                return; // the setups below are registered once; a second call only adds options
            }

            services.TryAddSingleton<GunicornSettingsProvider>();
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
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, GunicornErrorLogProvider>());
            services.AddTransient<IStartupFilter, GunicornStartupFilter>();
        });
    }
}
