using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Configuration;

/// <summary>
/// The host-level settings: graceful_timeout, backlog, loglevel, forwarded_allow_ips and accesslog.
/// These setups never throw: an invalid configuration is reported by <see cref="GunicornStartupValidator"/>.
/// </summary>
internal sealed class GunicornHostSetup(GunicornSettingsProvider provider) :
    IConfigureOptions<HostOptions>,
    IConfigureOptions<SocketTransportOptions>,
    IConfigureOptions<LoggerFilterOptions>,
    IConfigureOptions<ForwardedHeadersOptions>,
    IConfigureOptions<HttpLoggingOptions>,
    IConfigureOptions<W3CLoggerOptions>
{
    /// <summary>The category HttpLogging writes the access log to.</summary>
    internal const string AccessLogCategory = "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware";

    public void Configure(HostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (provider.TryGetSettings()?.Process.GracefulTimeoutSeconds is int seconds)
        {
            options.ShutdownTimeout = TimeSpan.FromSeconds(seconds);
        }
    }

    public void Configure(SocketTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (provider.TryGetSettings()?.Process.Backlog is int backlog)
        {
            options.Backlog = backlog;
        }
    }

    public void Configure(LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var s = provider.TryGetSettings();
        if (s?.Logging.Level is LogLevel level)
        {
            // A category-less rule added last overrides Logging:LogLevel:Default; category-specific rules still win.
            options.MinLevel = level;
            options.Rules.Add(new LoggerFilterRule(null, null, level, null));
        }

        if (s?.Logging.AccessLog == "-")
        {
            options.Rules.Add(new LoggerFilterRule(null, AccessLogCategory, LogLevel.Information, null));
        }
    }

    public void Configure(ForwardedHeadersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var s = provider.TryGetSettings()?.Forwarding;
        if (s is not { Configured: true })
        {
            return;
        }

        // gunicorn trusts these peers for the scheme headers (secure_scheme_headers): X-Forwarded-Proto.
        options.ForwardedHeaders = ForwardedHeaders.XForwardedProto;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        if (!s.TrustAll)
        {
            foreach (var proxy in s.Proxies)
            {
                options.KnownProxies.Add(proxy);
            }

            foreach (var network in s.Networks)
            {
                options.KnownIPNetworks.Add(network);
            }
        }
    }

    public void Configure(HttpLoggingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LoggingFields = HttpLoggingFields.RequestPropertiesAndHeaders | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
    }

    public void Configure(W3CLoggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (provider.TryGetSettings()?.Logging.AccessLog is { } full && full != "-")
        {
            options.LogDirectory = Path.GetDirectoryName(full)!;
            options.FileName = Path.GetFileNameWithoutExtension(full);
        }
    }
}

/// <summary>Adds the middleware that forwarded_allow_ips, accesslog and keepalive = 0 ask for, ahead of the app's own.</summary>
internal sealed class GunicornStartupFilter(GunicornSettingsProvider provider) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var s = provider.TryGetSettings();
        if (s?.Forwarding.Configured == true)
        {
            app.UseForwardedHeaders();
        }

        if (s?.Logging.AccessLog == "-")
        {
            app.UseHttpLogging();
        }
        else if (s?.Logging.AccessLog is not null)
        {
            app.UseW3CLogging();
        }

        if (s?.Limits.KeepAliveOff == true)
        {
            // gunicorn's keepalive = 0: close every HTTP/1.x connection after its response. Kestrel has no switch for
            // that, but it closes the connection after a response that carries "Connection: close".
            app.Use(static (context, nextMiddleware) =>
            {
                if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
                {
                    context.Response.Headers.Connection = "close";
                }

                return nextMiddleware(context);
            });
        }

        next(app);
    };
}
