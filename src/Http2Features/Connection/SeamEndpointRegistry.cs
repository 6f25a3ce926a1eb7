using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Http2Features.Connection;

/// <summary>The endpoints that got the seam when Kestrel bound them (for the start-up check).</summary>
internal sealed class SeamEndpointRegistry
{
    private readonly Lock _lock = new();
    private readonly List<ListenOptions> _endpoints = [];

    public void Add(ListenOptions listenOptions)
    {
        lock (_lock)
        {
            _endpoints.Add(listenOptions);
        }
    }

    public IReadOnlyList<ListenOptions> Snapshot()
    {
        lock (_lock)
        {
            return [.. _endpoints];
        }
    }
}
