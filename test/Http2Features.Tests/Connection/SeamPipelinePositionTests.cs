using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FluentAssertions;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Connection;

/// <summary>
/// The seam decides which transport carries HTTP by its position in the connection pipeline: connection
/// middleware before <c>UseHttps</c> (a PROXY-protocol reader, connection logging) or between TLS and the
/// seam must not cost priority or a prompt 103, and the ciphertext below TLS is never written into.
/// </summary>
public class SeamPipelinePositionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly byte[] ProxyV1 = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 443\r\n"u8.ToArray();

    public enum Placement
    {
        ProxyReaderBeforeTls,
        ProxyReaderBeforeTlsThatReplacesTheTransport,
        ConnectionLoggingBeforeTls,
        ConnectionLoggingAfterTls,
    }

    [Theory]
    [InlineData(Placement.ProxyReaderBeforeTls)]
    [InlineData(Placement.ProxyReaderBeforeTlsThatReplacesTheTransport)]
    [InlineData(Placement.ConnectionLoggingBeforeTls)]
    [InlineData(Placement.ConnectionLoggingAfterTls)]
    public async Task Connection_middleware_around_TLS_keeps_priority_and_a_prompt_103(Placement placement)
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await StartAsync(lo =>
        {
            switch (placement)
            {
                case Placement.ProxyReaderBeforeTls:
                    lo.Use(next => new ProxyV1Reader(next, replaceTransport: false).OnConnectionAsync);
                    lo.UseHttps(TestCertificates.Shared);
                    break;
                case Placement.ProxyReaderBeforeTlsThatReplacesTheTransport:
                    lo.Use(next => new ProxyV1Reader(next, replaceTransport: true).OnConnectionAsync);
                    lo.UseHttps(TestCertificates.Shared);
                    break;
                case Placement.ConnectionLoggingBeforeTls:
                    lo.UseConnectionLogging();
                    lo.UseHttps(TestCertificates.Shared);
                    break;
                case Placement.ConnectionLoggingAfterTls:
                    lo.UseHttps(TestCertificates.Shared);
                    lo.UseConnectionLogging();
                    break;
            }
        }, logs);
        var usesProxy = placement is Placement.ProxyReaderBeforeTls or Placement.ProxyReaderBeforeTlsThatReplacesTheTransport;

        await AssertPriorityAndPromptHintAsync(app, "https", usesProxy ? ProxyV1 : default);
        logs.Entries.Should().NotContain(e => e.Id.Id == Http2FeaturesEventIds.Connection.TransportHiddenFromSeam, "the seam sees TLS's transport");
    }

    [Fact]
    public async Task Cleartext_h2c_behind_a_PROXY_reader_that_replaces_the_transport_keeps_priority_and_a_prompt_103()
    {
        await using var app = await StartAsync(lo =>
        {
            lo.Protocols = HttpProtocols.Http2;
            lo.Use(next => new ProxyV1Reader(next, replaceTransport: true).OnConnectionAsync);
        });

        await AssertPriorityAndPromptHintAsync(app, "http", ProxyV1);
    }

    [Fact]
    public async Task Explicit_UseHttp2Features_after_UseHttps_takes_over_when_a_middleware_hides_the_transport_from_the_automatic_seam()
    {
        // The automatic seam (endpoint defaults, before everything) never sees TLS install its pipe, because a
        // middleware in between hands the rest of the pipeline a connection context of its own.
        var logs = new CapturingLoggerProvider();
        await using var app = await StartAsync(lo =>
        {
            lo.Use(next => context => next(new OwnConnectionContext(context)));
            lo.UseHttps(TestCertificates.Shared);
            lo.UseHttp2Features();
        }, logs);

        await AssertPriorityAndPromptHintAsync(app, "https", default);
        logs.Entries.Should().NotContain(e => e.Id.Id == Http2FeaturesEventIds.Connection.TransportHiddenFromSeam, "the explicit seam after TLS sees the transport");
    }

    [Fact]
    public async Task Without_the_explicit_call_that_hidden_transport_is_reported_as_no_seam_and_nothing_is_injected_into_TLS()
    {
        await using var app = await StartAsync(lo =>
        {
            lo.Use(next => context => next(new OwnConnectionContext(context)));
            lo.UseHttps(TestCertificates.Shared);
        });
        await using var client = await RawHttp2Client.ConnectAsync(Address(app, "https"), cancellationToken: TestContext.Current.CancellationToken);

        var response = await (await client.SendRequestAsync(new RawHttp2Request { Path = "/" }, TestContext.Current.CancellationToken))
            .ReadResponseAsync(Timeout, TestContext.Current.CancellationToken);

        response.Status.Should().Be(200, client.DescribeRecentFrames());
        response.Informational.Should().BeEmpty();
        response.BodyText.Should().StartWith("NoConnectionSeam|", "the seam's only pipe sits below TLS and carries ciphertext");
        client.GoAway.Should().BeNull();
    }

    [Fact]
    public async Task A_hidden_transport_is_warned_about_once_per_endpoint_with_the_endpoint_and_the_fix()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await StartAsync(lo =>
        {
            lo.Use(next => context => next(new OwnConnectionContext(context)));
            lo.UseHttps(TestCertificates.Shared);
        }, logs);
        var port = BindingAddress.Parse(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        // Two connections, HTTP/2 and HTTP/1.1: the warning comes with the first request's read, before any app code
        // asks for priority or a hint, and not again.
        await using (var client = await RawHttp2Client.ConnectAsync(Address(app, "https"), cancellationToken: TestContext.Current.CancellationToken))
        {
            (await (await client.SendRequestAsync(new RawHttp2Request { Path = "/" }, TestContext.Current.CancellationToken))
                .ReadResponseAsync(Timeout, TestContext.Current.CancellationToken)).Status.Should().Be(200);
        }

        using var http11 = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
        (await http11.GetAsync(Address(app, "https"), TestContext.Current.CancellationToken)).StatusCode.Should().Be(HttpStatusCode.OK);

        var warning = logs.Entries.Where(e => e.Id.Id == Http2FeaturesEventIds.Connection.TransportHiddenFromSeam).Should().ContainSingle().Subject;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Category.Should().Be("Http2Features.Connection");
        warning.Id.Name.Should().Be("TransportHiddenFromSeam");
        warning.Field("Endpoint").Should().Be($"127.0.0.1:{port}");
        warning.Field("ConnectionId").Should().NotBeNullOrEmpty();
        warning.Message.Should().Contain("call listenOptions.UseHttp2Features() after listenOptions.UseHttps(...)");
    }

    private static async Task AssertPriorityAndPromptHintAsync(WebApplication app, string scheme, ReadOnlyMemory<byte> prefix)
    {
        await using var client = await RawHttp2Client.ConnectAsync(Address(app, scheme), new RawHttp2ClientOptions { ConnectionPrefix = prefix }, TestContext.Current.CancellationToken);

        // The first request pays for JIT along the connection's pipeline; later ones show the steady state. The
        // fastest of those is checked, so a scheduling hiccup on a loaded 2-core runner is not taken for a late 103.
        RawHttp2Response response = null!;
        var fastestHint = TimeSpan.MaxValue;
        for (var i = 0; i < 4; i++)
        {
            var request = new RawHttp2Request { Path = "/", Priority = new Http2PriorityData(0, 42) };
            response = await (await client.SendRequestAsync(request, TestContext.Current.CancellationToken))
                .ReadResponseAsync(Timeout, TestContext.Current.CancellationToken);
            if (i > 0 && response.Informational.Count == 1 && response.BodyText.Split('|') is { Length: > 3 } fields)
            {
                var elapsed = Stopwatch.GetElapsedTime(long.Parse(fields[3], CultureInfo.InvariantCulture), response.Informational[0].Timestamp);
                fastestHint = elapsed < fastestHint ? elapsed : fastestHint;
            }
        }

        response.Status.Should().Be(200, client.DescribeRecentFrames());
        var parts = response.BodyText.Split('|');
        parts[0].Should().Be("Sent");
        parts[1].Should().Be("True", "the client's HEADERS carried RFC 7540 priority");
        parts[2].Should().Be("42");
        var hint = response.Informational.Should().ContainSingle().Subject;
        hint.Status.Should().Be(103);
        hint.Headers.GetValues("link").Should().Equal("</a.css>; rel=preload; as=style");
        fastestHint.Should().BeLessThan(TimeSpan.FromMilliseconds(50), "the 103 leaves when the handler asks, not with the response");
        client.GoAway.Should().BeNull();
    }

    private static async Task<WebApplication> StartAsync(Action<ListenOptions> configure, CapturingLoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Services.AddHttp2Features();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, lo =>
        {
            lo.Protocols = HttpProtocols.Http1AndHttp2;
            configure(lo);
        }));
        var app = builder.Build();
        app.Run(async context =>
        {
            var calledAt = Stopwatch.GetTimestamp();
            var result = await context.Response.SendEarlyHintsAsync([new KeyValuePair<string, string>("link", "</a.css>; rel=preload; as=style")]);

            // Hold the final response back so a 103 that waits for it would show in the timing.
            await Task.Delay(200, context.RequestAborted);
            var priority = context.GetStreamPriority();
            await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"{result.Status}|{priority.HasHttp2Priority}|{priority.Weight}|{calledAt}"));
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(cts.Token);
        return app;
    }

    private static Uri Address(WebApplication app, string scheme)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri($"{scheme}://127.0.0.1:{BindingAddress.Parse(address).Port}/");
    }

    /// <summary>A minimal PROXY v1 reader, as a load-balancer deployment puts one before TLS.</summary>
    private sealed class ProxyV1Reader(ConnectionDelegate next, bool replaceTransport)
    {
        public async Task OnConnectionAsync(ConnectionContext context)
        {
            var input = context.Transport.Input;
            while (true)
            {
                var read = await input.ReadAsync();
                var buffer = read.Buffer;
                var reader = new SequenceReader<byte>(buffer);
                if (reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
                {
                    Encoding.ASCII.GetString(line).Should().StartWith("PROXY TCP4 ");
                    input.AdvanceTo(reader.Position);
                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }

            if (replaceTransport)
            {
                context.Transport = new TestDuplexPipe(context.Transport.Input, context.Transport.Output); // a transport of its own
            }

            await next(context);
        }
    }

    /// <summary>A middleware that hands the rest of the pipeline its own connection context (transport set on it stays there).</summary>
    private sealed class OwnConnectionContext(ConnectionContext inner) : ConnectionContext
    {
        public override IDuplexPipe Transport { get; set; } = inner.Transport;

        public override string ConnectionId
        {
            get => inner.ConnectionId;
            set => inner.ConnectionId = value;
        }

        public override IFeatureCollection Features => inner.Features;

        public override IDictionary<object, object?> Items
        {
            get => inner.Items;
            set => inner.Items = value;
        }

        public override CancellationToken ConnectionClosed
        {
            get => inner.ConnectionClosed;
            set => inner.ConnectionClosed = value;
        }

        public override EndPoint? LocalEndPoint
        {
            get => inner.LocalEndPoint;
            set => inner.LocalEndPoint = value;
        }

        public override EndPoint? RemoteEndPoint
        {
            get => inner.RemoteEndPoint;
            set => inner.RemoteEndPoint = value;
        }

        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

        public override void Abort() => inner.Abort();

#pragma warning disable CA2215
        public override ValueTask DisposeAsync() => inner.DisposeAsync();
#pragma warning restore CA2215
    }
}
