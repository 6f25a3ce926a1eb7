using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Configuration;

/// <summary>
/// The host-level settings: graceful_timeout, backlog, loglevel, errorlog and forwarded_allow_ips.
/// These setups never throw: an invalid configuration is reported by <see cref="GunicornStartupValidator"/>.
/// </summary>
internal sealed class GunicornHostSetup(GunicornSettingsProvider provider) :
    IConfigureOptions<HostOptions>,
    IConfigureOptions<SocketTransportOptions>,
    IPostConfigureOptions<LoggerFilterOptions>,
    IConfigureOptions<ForwardedHeadersOptions>
{
    /// <summary>The console logger's provider name, silenced when errorlog names the error log's place.</summary>
    internal const string ConsoleProvider = "Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider";

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

    /// <summary>After every Configure (appsettings' Logging section, AddFilter calls), so loglevel sees all rules.</summary>
    public void PostConfigure(string? name, LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var s = provider.TryGetSettings();
        if (s?.Logging.Level is LogLevel level)
        {
            // gunicorn's loglevel is the error log's threshold: nothing below it is written. Rules that are stricter
            // (appsettings' "Microsoft.AspNetCore": "Warning", which keeps requests from logging) stay as they are.
            for (var i = 0; i < options.Rules.Count; i++)
            {
                var rule = options.Rules[i];
                if (rule.LogLevel is { } ruleLevel && ruleLevel < level)
                {
                    options.Rules[i] = new LoggerFilterRule(rule.ProviderName, rule.CategoryName, level, rule.Filter);
                }
            }

            // A category-less rule added last replaces Logging:LogLevel:Default.
            options.MinLevel = level;
            options.Rules.Add(new LoggerFilterRule(null, null, level, null));
        }

        if (s?.Logging.ErrorLog is not null)
        {
            options.Rules.Add(new LoggerFilterRule(ConsoleProvider, null, LogLevel.None, null));
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

}

/// <summary>Adds the middleware that accesslog, forwarded_allow_ips and keepalive = 0 ask for, ahead of the app's own.</summary>
internal sealed class GunicornStartupFilter(GunicornSettingsProvider provider, GunicornLogTargets logs) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var s = provider.TryGetSettings();
        if (s?.Logging is { AccessLog: not null, AccessLogFormat: { } format } && logs.Access is { } target)
        {
            // First, so that the line has the status and size the client got; one line per request.
            app.UseMiddleware<GunicornAccessLogMiddleware>(format, target);
        }

        if (s?.Forwarding.Configured == true)
        {
            app.UseForwardedHeaders();
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
