using System.Runtime.CompilerServices;
using Http2Features;
using Http2Features.Connection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Adds the Http2Features connection seam to a Kestrel endpoint.</summary>
public static class Http2FeaturesListenOptionsExtensions
{
    // What each endpoint got: the automatic route adds the seam once; an explicit call adds it once more at
    // the caller's position (after UseHttps), where it takes over if the automatic one cannot see the transport.
    private static readonly ConditionalWeakTable<ListenOptions, StrongBox<SeamRoutes>> Installed = [];

    [Flags]
    private enum SeamRoutes
    {
        None = 0,
        Automatic = 1,
        Explicit = 2,
    }

    /// <summary>
    /// Adds the connection middleware that lets Http2Features see the client's HTTP/2 frames (stream
    /// priority) and write 1xx responses (103 Early Hints) on this endpoint. Call it after
    /// <c>UseHttps(...)</c>. <c>AddHttp2Features()</c> already adds it to endpoints created from endpoint
    /// defaults, <c>Kestrel:Endpoints</c> configuration and URLs; an explicit call after <c>UseHttps</c> is
    /// still honoured (it takes over from the automatic one) and calling it twice is harmless. Works for
    /// cleartext endpoints too (HTTP/2 with prior knowledge is detected by its preface).
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <returns>The same <paramref name="listenOptions"/>, for chaining.</returns>
    public static ListenOptions UseHttp2Features(this ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        return Add(listenOptions, SeamRoutes.Explicit);
    }

    /// <summary>The automatic route (endpoint defaults, earlier <c>Listen</c> calls): once per endpoint, never after an explicit call.</summary>
    internal static ListenOptions UseHttp2FeaturesAutomatically(this ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        return Add(listenOptions, SeamRoutes.Automatic);
    }

    internal static bool HasSeam(ListenOptions listenOptions) =>
        Installed.TryGetValue(listenOptions, out var routes) && routes.Value != SeamRoutes.None;

    private static ListenOptions Add(ListenOptions listenOptions, SeamRoutes route)
    {
        var routes = Installed.GetValue(listenOptions, static _ => new StrongBox<SeamRoutes>());
        lock (routes)
        {
            if ((routes.Value & route) != 0 || (route == SeamRoutes.Automatic && routes.Value != SeamRoutes.None))
            {
                return listenOptions;
            }

            routes.Value |= route;
        }

        listenOptions.Use(next =>
        {
            // Runs when Kestrel binds the endpoint: limits and services are final by then.
            var services = listenOptions.ApplicationServices;
            var logger = (ILogger?)services?.GetService<ILoggerFactory>()?.CreateLogger("Http2Features.Connection") ?? NullLogger.Instance;
            services?.GetService<SeamEndpointRegistry>()?.Add(listenOptions);
            var http2Limits = listenOptions.KestrelServerOptions?.Limits.Http2;
            var capabilities = services?.GetService<IEnumerable<IConnectionSeamCapability>>()?.ToArray() ?? [];
            return new SeamConnectionMiddleware(
                next,
                new SeamEndpointLimits(http2Limits?.MaxStreamsPerConnection ?? 100),
                capabilities,
                logger,
                new SeamEndpointWarnings(listenOptions, logger)).OnConnectionAsync;
        });
        return listenOptions;
    }
}
