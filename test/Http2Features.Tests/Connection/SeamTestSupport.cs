using System.Globalization;
using System.Net;
using System.Net.Security;
using Http2Features.Connection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Connection;

/// <summary>Hosts and probes shared by the seam tests.</summary>
internal static class SeamTestSupport
{
    /// <summary>Answers "protocol|settings entries observed|seam id" for the connection serving the request, or "none".</summary>
    public static Task Probe(HttpContext context)
    {
        var seam = context.Features.Get<IConnectionSeam>();
        if (seam is null)
        {
            return context.Response.WriteAsync("none");
        }

        var state = (ConnectionSeamState)seam;
        return context.Response.WriteAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{state.Protocol}|{state.SettingsEntriesObserved}|{context.Request.Protocol}"));
    }

    /// <summary>Starts a WebApplication configured entirely by <paramref name="configure"/> (no Listen of its own).</summary>
    public static async Task<WebApplication> StartAsync(Action<WebApplicationBuilder> configure)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        configure(builder);
        var app = builder.Build();
        app.Run(Probe);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(cts.Token);
        return app;
    }

    /// <summary>The first bound address, with 127.0.0.1 as host.</summary>
    public static Uri Address(WebApplication app, string scheme)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith(scheme + "://", StringComparison.Ordinal));
        return new Uri($"{scheme}://127.0.0.1:{BindingAddress.Parse(address).Port}/");
    }

    /// <summary>An HttpClient pinned to <paramref name="version"/> that trusts the shared test certificate.</summary>
    public static HttpClient Client(Uri baseAddress, Version version)
    {
        var thumbprint = Http2Features.Testing.TestCertificates.Shared.GetCertHashString();
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == thumbprint,
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = baseAddress,
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public static Version Http2 => HttpVersion.Version20;

    public static Version Http11 => HttpVersion.Version11;
}
