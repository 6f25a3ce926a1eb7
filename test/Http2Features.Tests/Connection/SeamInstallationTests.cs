using System.Net;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Connection;

/// <summary>
/// The seam must reach every kind of endpoint, see plaintext (ALPN decided h2, frames observed), and be
/// installed once when several routes apply.
/// </summary>
public class SeamInstallationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Explicit_Listen_UseHttps_UseHttp2Features_observes_h2_without_AddHttp2Features()
    {
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(SeamTestSupport.Probe),
            options: new Http2TestAppOptions { ConfigureListenOptions = lo => lo.UseHttp2Features() });

        var body = await app.CreateHttp2Client().GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().StartWith("Http2|").And.EndWith("|HTTP/2");
        SettingsCount(body).Should().BeGreaterThan(0, "the client's SETTINGS frame must have been observed in plaintext");
    }

    [Fact]
    public async Task Explicit_and_automatic_routes_together_install_the_seam_once()
    {
        // Explicit only: the reference count of SETTINGS entries a connection reports.
        await using var explicitOnly = await Http2TestApp.StartAsync(
            a => a.Run(SeamTestSupport.Probe),
            options: new Http2TestAppOptions { ConfigureListenOptions = lo => lo.UseHttp2Features() });
        var reference = SettingsCount(await explicitOnly.CreateHttp2Client().GetStringAsync("/", TestContext.Current.CancellationToken));

        // Endpoint defaults (AddHttp2Features registered before the Listen call) plus the explicit call.
        await using var both = await StartWithListenAsync(lo =>
        {
            lo.UseHttps(TestCertificates.Shared);
            lo.UseHttp2Features();
        });
        var body = await SeamTestSupport.Client(SeamTestSupport.Address(both, "https"), SeamTestSupport.Http2).GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().StartWith("Http2|");
        SettingsCount(body).Should().Be(reference, "a seam installed twice would observe every frame twice");
    }

    [Fact]
    public async Task Endpoint_defaults_reach_a_Listen_call_with_UseHttps_and_keep_the_apps_own_defaults()
    {
        var appDefaultsRan = 0;
        await using var app = await SeamTestSupport.StartAsync(b =>
        {
            b.Services.AddHttp2Features();
            b.WebHost.ConfigureKestrel(k =>
            {
                // The app sets its own defaults after the pack: Kestrel keeps only the last action, the pack chains.
                k.ConfigureEndpointDefaults(_ => Interlocked.Increment(ref appDefaultsRan));
                k.ConfigureHttpsDefaults(h => h.ServerCertificate = TestCertificates.Shared);
                k.Listen(IPAddress.Loopback, 0, lo => lo.UseHttps());
            });
        });

        var body = await SeamTestSupport.Client(SeamTestSupport.Address(app, "https"), SeamTestSupport.Http2).GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().StartWith("Http2|");
        appDefaultsRan.Should().Be(1);
    }

    [Fact]
    public async Task Kestrel_Endpoints_configuration_gets_the_seam_above_TLS()
    {
        var pfx = Path.Combine(Path.GetTempPath(), $"h2f-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(pfx, TestCertificates.Shared.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pw"), TestContext.Current.CancellationToken);
        try
        {
            await using var app = await SeamTestSupport.StartAsync(b =>
            {
                b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Kestrel:Endpoints:Main:Url"] = "https://127.0.0.1:0",
                    ["Kestrel:Endpoints:Main:Protocols"] = "Http1AndHttp2",
                    ["Kestrel:Endpoints:Main:Certificate:Path"] = pfx,
                    ["Kestrel:Endpoints:Main:Certificate:Password"] = "pw",
                });
                b.Services.AddHttp2Features();
            });

            var address = SeamTestSupport.Address(app, "https");
            (await SeamTestSupport.Client(address, SeamTestSupport.Http2).GetStringAsync("/", TestContext.Current.CancellationToken))
                .Should().StartWith("Http2|");
            (await SeamTestSupport.Client(address, SeamTestSupport.Http11).GetStringAsync("/", TestContext.Current.CancellationToken))
                .Should().StartWith("Http11|");
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Fact]
    public async Task Https_URLs_get_the_seam_above_TLS()
    {
        await using var app = await SeamTestSupport.StartAsync(b =>
        {
            b.WebHost.UseUrls("https://127.0.0.1:0");
            b.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = TestCertificates.Shared));
            b.Services.AddHttp2Features();
        });

        var body = await SeamTestSupport.Client(SeamTestSupport.Address(app, "https"), SeamTestSupport.Http2).GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().StartWith("Http2|");
        SettingsCount(body).Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Cleartext_h2_prior_knowledge_is_detected_by_its_preface()
    {
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(SeamTestSupport.Probe),
            options: new Http2TestAppOptions { Tls = false, ConfigureListenOptions = lo => lo.UseHttp2Features() });

        var body = await app.CreateHttp2Client().GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().StartWith("Http2Cleartext|").And.EndWith("|HTTP/2");
        SettingsCount(body).Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Cleartext_http_URLs_get_the_seam_and_detect_HTTP_1_1()
    {
        await using var app = await SeamTestSupport.StartAsync(b =>
        {
            b.WebHost.UseUrls("http://127.0.0.1:0");
            b.Services.AddHttp2Features();
        });

        var body = await SeamTestSupport.Client(SeamTestSupport.Address(app, "http"), SeamTestSupport.Http11).GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().Be("Http11|0|HTTP/1.1");
    }

    [Fact]
    public async Task Listen_calls_made_before_AddHttp2Features_still_get_the_seam()
    {
        // Http2TestApp's Listen runs before AddHttp2Features is registered, so defaults can't reach it.
        await using var app = await Http2TestApp.StartAsync(a => a.Run(SeamTestSupport.Probe), b => b.Services.AddHttp2Features());

        (await app.CreateHttp2Client().GetStringAsync("/", TestContext.Current.CancellationToken)).Should().StartWith("Http2|");
    }

    [Fact]
    public async Task Https_endpoint_without_the_seam_is_named_at_start_up_with_the_fix()
    {
        var logs = new CapturingLoggerProvider();

        // Simulates an endpoint the automatic route cannot reach (e.g. a Kestrel that changed the internals
        // it uses): the pack's services are there, its Kestrel options setup is not.
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(SeamTestSupport.Probe),
            b =>
            {
                b.Logging.AddProvider(logs);
                b.Services.AddHttp2Features();
                foreach (var d in b.Services.Where(d => d.ImplementationType == typeof(Http2Features.Connection.SeamKestrelOptionsSetup)).ToList())
                {
                    b.Services.Remove(d);
                }
            });
        await WaitForAsync(() => logs.Entries.Any(e => e.Id.Id == 1101));

        var warning = logs.Entries.Single(e => e.Id.Id == 1101);
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Contain($":{app.BaseAddress.Port}").And.Contain("listenOptions.UseHttp2Features() after listenOptions.UseHttps(...)");
        (await app.CreateHttp2Client().GetStringAsync("/", TestContext.Current.CancellationToken)).Should().Be("none");
    }

    [Fact]
    public async Task No_start_up_warning_when_every_endpoint_has_the_seam()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await Http2TestApp.StartAsync(
            a => a.Run(SeamTestSupport.Probe),
            b =>
            {
                b.Logging.AddProvider(logs);
                b.Services.AddHttp2Features();
            });

        // The check runs on ApplicationStarted, which has fired once StartAsync returned.
        (await app.CreateHttp2Client().GetStringAsync("/", TestContext.Current.CancellationToken)).Should().StartWith("Http2|");
        logs.Entries.Should().NotContain(e => e.Id.Id == 1101);
    }

    [Fact]
    public async Task Unix_socket_and_TCP_endpoints_with_the_seam_get_no_start_up_warning()
    {
        var logs = new CapturingLoggerProvider();
        var socket = Path.Combine(Path.GetTempPath(), $"h2f-{Guid.NewGuid():N}.sock");
        try
        {
            await using var app = await SeamTestSupport.StartAsync(b =>
            {
                b.Logging.AddProvider(logs);
                b.Services.AddHttp2Features();
                b.WebHost.ConfigureKestrel(k =>
                {
                    k.Listen(IPAddress.Loopback, 0, lo => lo.UseHttps(TestCertificates.Shared));
                    k.ListenUnixSocket(socket, lo => lo.UseHttps(TestCertificates.Shared));
                    k.ListenUnixSocket(socket + "2");
                });
            });

            // The check ran on ApplicationStarted, which has fired once StartAsync returned.
            logs.Entries.Should().NotContain(e => e.Id.Id == 1101);
        }
        finally
        {
            File.Delete(socket);
            File.Delete(socket + "2");
        }
    }

    [Fact]
    public async Task Among_several_endpoints_only_those_without_a_seam_are_named()
    {
        var logs = new CapturingLoggerProvider();
        var socket = Path.Combine(Path.GetTempPath(), $"h2f-{Guid.NewGuid():N}.sock");
        try
        {
            await using var app = await SeamTestSupport.StartAsync(b =>
            {
                b.Logging.AddProvider(logs);
                b.Services.AddHttp2Features();

                // No automatic route: only the explicit calls install the seam.
                foreach (var d in b.Services.Where(d => d.ImplementationType == typeof(Http2Features.Connection.SeamKestrelOptionsSetup)).ToList())
                {
                    b.Services.Remove(d);
                }

                b.WebHost.ConfigureKestrel(k =>
                {
                    k.Listen(IPAddress.Loopback, 0, lo => lo.UseHttps(TestCertificates.Shared).UseHttp2Features());
                    k.Listen(IPAddress.Loopback, 0, lo => lo.UseHttps(TestCertificates.Shared));
                    k.ListenUnixSocket(socket, lo => lo.UseHttps(TestCertificates.Shared).UseHttp2Features());
                    k.ListenUnixSocket(socket + "2", lo => lo.UseHttps(TestCertificates.Shared));
                });
            });

            var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.ToList();
            var named = logs.Entries.Where(e => e.Id.Id == 1101).Select(e => e.Message).ToList();
            named.Should().HaveCount(2);
            named.Should().ContainSingle(m => m.Contains(addresses[1], StringComparison.Ordinal));
            named.Should().ContainSingle(m => m.Contains("unix:" + socket + "2", StringComparison.Ordinal));
            named.Should().OnlyContain(m => m.Contains("listenOptions.UseHttp2Features() after listenOptions.UseHttps(...)", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(socket);
            File.Delete(socket + "2");
        }
    }

    [Fact]
    public async Task UseHttp2Features_before_UseHttps_still_sees_plaintext()
    {
        await using var app = await StartWithListenAsync(
            lo =>
            {
                lo.UseHttp2Features();
                lo.UseHttps(TestCertificates.Shared);
            },
            addPack: false);

        var body = await SeamTestSupport.Client(SeamTestSupport.Address(app, "https"), SeamTestSupport.Http2).GetStringAsync("/", TestContext.Current.CancellationToken);

        body.Should().StartWith("Http2|");
        SettingsCount(body).Should().BeGreaterThan(0);
    }

    private static Task<Microsoft.AspNetCore.Builder.WebApplication> StartWithListenAsync(Action<ListenOptions> configure, bool addPack = true) =>
        SeamTestSupport.StartAsync(b =>
        {
            if (addPack)
            {
                b.Services.AddHttp2Features();
            }

            b.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, lo =>
            {
                lo.Protocols = HttpProtocols.Http1AndHttp2;
                configure(lo);
            }));
        });

    private static int SettingsCount(string body) => int.Parse(body.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met within " + Timeout);
            }

            await Task.Delay(20);
        }
    }
}
