using System.Runtime.CompilerServices;
using Http2Features;
using Http2Features.Connection;
using Http2Features.Priority;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Adds the Http2Features connection seam to a Kestrel endpoint.</summary>
public static class Http2FeaturesListenOptionsExtensions
{
    private static readonly ConditionalWeakTable<ListenOptions, object> Installed = [];

    /// <summary>
    /// Adds the connection middleware that lets Http2Features see the client's HTTP/2 frames (stream
    /// priority) and write 1xx responses (103 Early Hints) on this endpoint. Call it after
    /// <c>UseHttps(...)</c>. <c>AddHttp2Features()</c> already adds it to endpoints created from endpoint
    /// defaults, <c>Kestrel:Endpoints</c> configuration and URLs; calling it again is harmless. Works for
    /// cleartext endpoints too (HTTP/2 with prior knowledge is detected by its preface).
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <returns>The same <paramref name="listenOptions"/>, for chaining.</returns>
    public static ListenOptions UseHttp2Features(this ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        if (!Installed.TryAdd(listenOptions, Installed))
        {
            return listenOptions;
        }

        listenOptions.Use(next =>
        {
            // Runs when Kestrel binds the endpoint: limits and services are final by then.
            var services = listenOptions.ApplicationServices;
            var logger = (ILogger?)services?.GetService<ILoggerFactory>()?.CreateLogger("Http2Features.Connection") ?? NullLogger.Instance;
            services?.GetService<SeamEndpointRegistry>()?.Add(listenOptions);
            var http2Limits = listenOptions.KestrelServerOptions?.Limits.Http2;
            return new SeamConnectionMiddleware(
                next,
                http2Limits?.MaxStreamsPerConnection ?? 100,
                logger,
                services?.GetService<PriorityMetrics>()).OnConnectionAsync;
        });
        return listenOptions;
    }

    internal static bool HasSeam(ListenOptions listenOptions) => Installed.TryGetValue(listenOptions, out _);
}
