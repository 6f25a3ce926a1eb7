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
    /// <c>KestrelServerOptions.CodeBackedListenOptions</c>: the endpoints <c>Listen*</c> calls created so far.
    /// Those made before the pack's defaults were in place get the seam from here.
    /// </summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_CodeBackedListenOptions")]
    internal static extern List<ListenOptions> GetCodeBackedListenOptions(KestrelServerOptions options);
}
