using Http2Features;
using Http2Features.Connection.ProxyProtocol;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Reads the PROXY protocol header (haproxy <c>send-proxy</c>/<c>send-proxy-v2</c>, AWS NLB, ...) on a Kestrel endpoint.</summary>
public static class ProxyProtocolListenOptionsExtensions
{
    /// <summary>
    /// Reads a PROXY protocol header (v1 or v2) at the start of every connection on this endpoint and makes the
    /// client's address the connection's remote address. Call it BEFORE <c>UseHttps(...)</c>: the header comes before
    /// the TLS handshake. Trusts 127.0.0.1 and ::1 by default; see <see cref="ProxyProtocolOptions"/>.
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <returns>The same <paramref name="listenOptions"/>, for chaining.</returns>
    public static ListenOptions UseProxyProtocol(this ListenOptions listenOptions) => listenOptions.UseProxyProtocol(_ => { });

    /// <summary>
    /// Reads a PROXY protocol header at the start of every connection on this endpoint, configured by
    /// <paramref name="configure"/>. Call it BEFORE <c>UseHttps(...)</c>.
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <param name="configure">Sets the accepted versions, the trusted proxies, the timeout and the size bound.</param>
    /// <returns>The same <paramref name="listenOptions"/>, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static ListenOptions UseProxyProtocol(this ListenOptions listenOptions, Action<ProxyProtocolOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ProxyProtocolOptions();
        configure(options);
        options.Validate();

        listenOptions.Use(next =>
        {
            // Runs when Kestrel binds the endpoint: services are final by then.
            var services = listenOptions.ApplicationServices;
            var logger = (ILogger?)services?.GetService<ILoggerFactory>()?.CreateLogger(ProxyProtocolLog.Category) ?? NullLogger.Instance;
            return new ProxyProtocolMiddleware(next, options, logger, services?.GetService<ProxyProtocolMetrics>()).OnConnectionAsync;
        });
        return listenOptions;
    }
}
