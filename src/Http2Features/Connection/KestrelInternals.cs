using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Http2Features.Connection;

/// <summary>
/// The Kestrel internals the seam relies on, in one place. Each is pinned by a test in
/// test/Http2Features.Tests/Connection/KestrelInternalsTests.cs that fails loudly if Kestrel changes it.
/// </summary>
internal static class KestrelInternals
{
    /// <summary>
    /// <c>KestrelServerOptions.EndpointDefaults</c>: the action <c>ConfigureEndpointDefaults</c> stores (and
    /// replaces). Reading it lets the pack chain onto the user's defaults instead of overwriting them.
    /// </summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_EndpointDefaults")]
    internal static extern Action<ListenOptions> GetEndpointDefaults(KestrelServerOptions options);

    /// <summary>
    /// <c>KestrelServerOptions.HttpsDefaults</c>: the action <c>ConfigureHttpsDefaults</c> stores (and replaces).
    /// The gunicorn binder chains onto it to give the app's own https endpoints its TLS settings.
    /// </summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_HttpsDefaults")]
    internal static extern Action<Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions>? GetHttpsDefaults(KestrelServerOptions options);

    /// <summary>
    /// <c>KestrelServerOptions.CodeBackedListenOptions</c>: the endpoints <c>Listen*</c> calls created so far.
    /// Those made before the pack's defaults were in place get the seam from here.
    /// </summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_CodeBackedListenOptions")]
    internal static extern List<ListenOptions> GetCodeBackedListenOptions(KestrelServerOptions options);

    /// <summary>
    /// Kestrel's internal <c>HttpProtocolsFeature</c>: when a connection middleware puts one on
    /// <c>ConnectionContext.Features</c>, Kestrel's HTTP layer serves the protocols it names instead of the
    /// endpoint's (the TLS layer uses it for SNI-selected protocols). One instance per value, shared by all connections.
    /// </summary>
    internal static class HttpProtocolsFeature
    {
        private static readonly object Http1 = Create(HttpProtocols.Http1);
        private static readonly object Http2 = Create(HttpProtocols.Http2);

        /// <summary>The feature's type (the key it is stored under).</summary>
        internal static Type FeatureType { get; } = Http2.GetType();

        /// <summary>Makes Kestrel serve this connection with <paramref name="protocols"/> (HTTP/1.1 or HTTP/2 only).</summary>
        internal static void Set(Microsoft.AspNetCore.Http.Features.IFeatureCollection features, HttpProtocols protocols) =>
            features[FeatureType] = protocols switch
            {
                HttpProtocols.Http1 => Http1,
                HttpProtocols.Http2 => Http2,
                _ => throw new ArgumentOutOfRangeException(nameof(protocols), protocols, "Http1 or Http2"),
            };

        /// <summary>The protocols a feature instance names (for the pinning test).</summary>
        internal static HttpProtocols Read(object feature) => GetProtocols(feature);

        private static object Create(HttpProtocols protocols) => Construct(protocols);

        [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
        [return: UnsafeAccessorType("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.HttpProtocolsFeature, Microsoft.AspNetCore.Server.Kestrel.Core")]
        private static extern object Construct(HttpProtocols httpProtocols);

        [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_HttpProtocols")]
        private static extern HttpProtocols GetProtocols(
            [UnsafeAccessorType("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.HttpProtocolsFeature, Microsoft.AspNetCore.Server.Kestrel.Core")] object feature);
    }
}
