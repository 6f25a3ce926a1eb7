using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Trailers;

/// <summary>Starts an <see cref="Http2TestApp"/> (real Kestrel, TLS, h2 + http/1.1) with the pack added.</summary>
internal static class TrailersApp
{
    public static Task<Http2TestApp> StartAsync(Action<WebApplication> configureApp, Action<WebApplicationBuilder>? configureBuilder = null, CapturingLoggerProvider? logs = null) =>
        Http2TestApp.StartAsync(configureApp, builder =>
        {
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }

            builder.Services.AddHttp2Features();
            configureBuilder?.Invoke(builder);
        });
}
