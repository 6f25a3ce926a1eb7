// Handlers run on Kestrel's threads (their token is RequestAborted); every wait has its own timeout.
#pragma warning disable xUnit1051
using System.Collections.Concurrent;
using System.Net;
using FluentAssertions;
using Http2Features.Testing;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Tests.Trailers;

public class SendTrailersTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Declared_trailers_sent_after_the_body_reach_HttpClient_TrailingHeaders()
    {
        var result = new TaskCompletionSource<TrailersResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var feature = new TaskCompletionSource<(bool Supported, string[] Declared, bool SentBefore, bool SentAfter)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpResponse response) =>
        {
            response.AnnounceTrailers("x-row-count");
            response.AnnounceTrailers("x-row-count", "x-batch");
            await response.WriteAsync("hello");
            var f = response.HttpContext.GetTrailersFeature();
            var sentBefore = f.IsSent;
            result.SetResult(await response.SendTrailersAsync([new("x-row-count", "42"), new("x-batch", "7")]));
            feature.SetResult((f.IsSupported, f.AnnouncedTrailers.ToArray(), sentBefore, f.IsSent));
        }));
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/t");
        var body = await message.Content.ReadAsStringAsync();

        message.Version.Should().Be(HttpVersion.Version20);
        body.Should().Be("hello");
        message.Headers.GetValues("trailer").Should().Equal("x-row-count", "x-batch"); // sent as one merged value; HttpClient splits it
        message.TrailingHeaders.GetValues("x-row-count").Should().Equal("42");
        message.TrailingHeaders.GetValues("x-batch").Should().Equal("7");
        (await result.Task.WaitAsync(Timeout)).Status.Should().Be(TrailersStatus.Sent);
        var f = await feature.Task.WaitAsync(Timeout);
        f.Supported.Should().BeTrue();
        f.Declared.Should().Equal("x-row-count", "x-batch");
        f.SentBefore.Should().BeFalse();
        f.SentAfter.Should().BeTrue();
    }

    [Fact]
    public async Task Raw_http2_client_sees_one_merged_Trailer_header_and_the_trailers_in_a_final_HEADERS_frame()
    {
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpResponse response) =>
        {
            response.AnnounceTrailers("x-row-count");
            response.AnnounceTrailers("x-batch", "x-row-count");
            await response.WriteAsync("hello");
            await response.SendTrailersAsync([new("x-row-count", "42"), new("x-batch", "7")]);
        }));
        var client = await server.CreateRawClientAsync();

        var response = await client.GetAsync("/t");

        response.Status.Should().Be(200);
        response.BodyText.Should().Be("hello");
        response.Headers.GetValues("trailer").Should().Equal("x-row-count, x-batch");
        response.Trailers["x-row-count"].Should().Be("42");
        response.Trailers["x-batch"].Should().Be("7");
        response.EndStreamReceived.Should().BeTrue();
        response.ResetCode.Should().BeNull();
    }

    [Fact]
    public async Task TrySendTrailers_hands_trailers_to_Kestrel_which_sends_them_when_the_handler_returns()
    {
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpResponse response) =>
        {
            response.AnnounceTrailers("x-status");
            await response.WriteAsync("body");
            var r = response.AppendTrailers("x-status", "done");
            await response.WriteAsync($"|{r.Status}");
        }));
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/t");

        (await message.Content.ReadAsStringAsync()).Should().Be("body|Sent");
        message.TrailingHeaders.GetValues("x-status").Should().Equal("done");
    }

    [Fact]
    public async Task Sending_twice_reports_AlreadySent_and_the_connection_stays_usable()
    {
        var results = new TaskCompletionSource<(TrailersResult, TrailersResult, TrailersResult)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapGet("/twice", async (HttpResponse response) =>
            {
                response.AnnounceTrailers("x-a");
                await response.WriteAsync("x");
                var first = await response.SendTrailersAsync("x-a", "1");
                var second = await response.SendTrailersAsync("x-a", "2");
                var third = response.AppendTrailers("x-a", "3");
                results.SetResult((first, second, third));
            });
            app.MapGet("/next", () => "still fine");
        });
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/twice");
        await message.Content.ReadAsStringAsync();
        var (first, second, third) = await results.Task.WaitAsync(Timeout);

        first.Status.Should().Be(TrailersStatus.Sent);
        second.Status.Should().Be(TrailersStatus.AlreadySent);
        third.Status.Should().Be(TrailersStatus.AlreadySent);
        message.TrailingHeaders.GetValues("x-a").Should().Equal("1");
        (await client.GetStringAsync("/next")).Should().Be("still fine");
    }

    [Fact]
    public async Task Sending_after_the_response_completed_reports_ResponseCompleted_without_throwing()
    {
        var results = new TaskCompletionSource<(TrailersResult, TrailersResult)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpResponse response) =>
        {
            await response.WriteAsync("x");
            await response.CompleteAsync();
            results.SetResult((await response.SendTrailersAsync("x-late", "1"), response.AppendTrailers("x-late", "2")));
        }));
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/t");
        (await message.Content.ReadAsStringAsync()).Should().Be("x");
        var (send, trySend) = await results.Task.WaitAsync(Timeout);

        send.Status.Should().Be(TrailersStatus.ResponseCompleted);
        trySend.Status.Should().Be(TrailersStatus.ResponseCompleted);
        message.TrailingHeaders.Should().BeEmpty();
    }

    [Fact]
    public async Task Sending_after_the_client_reset_the_stream_reports_ClientAborted_and_other_streams_continue()
    {
        var bodyStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = new TaskCompletionSource<TrailersResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapGet("/slow", async (HttpContext context) =>
            {
                context.Response.AnnounceTrailers("x-a");
                await context.Response.WriteAsync("partial");
                await context.Response.Body.FlushAsync();
                bodyStarted.SetResult();
                try
                {
                    await Task.Delay(Timeout, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                result.SetResult(await context.Response.SendTrailersAsync("x-a", "1"));
            });
            app.MapGet("/next", () => "ok");
        });
        using var client = server.CreateHttp2Client();

        using (var cts = new CancellationTokenSource())
        {
            using var message = await client.GetAsync("/slow", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            await bodyStarted.Task.WaitAsync(Timeout);
            await cts.CancelAsync(); // HttpClient resets the stream (RST_STREAM CANCEL)
            message.Dispose();
        }

        var sent = await result.Task.WaitAsync(Timeout);
        sent.Status.Should().Be(TrailersStatus.ClientAborted);
        (await client.GetStringAsync("/next")).Should().Be("ok");
    }

    [Fact]
    public async Task Http11_chunked_response_carries_the_trailers_in_its_last_chunk_for_HttpClient()
    {
        var results = new TaskCompletionSource<(bool, TrailersResult, TrailersResult)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpContext context) =>
        {
            context.Response.AnnounceTrailers("x-a", "x-empty");
            await context.Response.WriteAsync("complete body");
            var trySend = context.Response.AppendTrailers("x-a", "1");
            var send = await context.Response.SendTrailersAsync("x-empty", "");
            results.SetResult((context.GetTrailersFeature().IsSupported, trySend, send));
        }));
        using var client = server.CreateHttp11Client();

        using var message = await client.GetAsync("/t");

        message.Version.Should().Be(HttpVersion.Version11);
        (await message.Content.ReadAsStringAsync()).Should().Be("complete body");
        message.Headers.TransferEncodingChunked.Should().BeTrue();
        message.Headers.GetValues("trailer").Should().Equal("x-a", "x-empty"); // HttpClient splits "x-a, x-empty"
        message.TrailingHeaders.GetValues("x-a").Should().Equal("1");
        message.TrailingHeaders.GetValues("x-empty").Should().Equal("");
        var (supported, trySend, send) = await results.Task.WaitAsync(Timeout);
        supported.Should().BeTrue();
        trySend.Status.Should().Be(TrailersStatus.Sent);
        send.Status.Should().Be(TrailersStatus.Sent);
    }

    [Fact]
    public async Task Http10_and_content_length_responses_get_NotSupported_no_Trailer_header_and_a_complete_body()
    {
        var results = new ConcurrentQueue<(string, bool, TrailersResult)>();
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpContext context) =>
        {
            if (context.Request.Query.ContainsKey("length"))
            {
                context.Response.ContentLength = 13;
            }

            context.Response.AnnounceTrailers("x-a");
            await context.Response.WriteAsync("complete body");
            var send = await context.Response.SendTrailersAsync("x-a", "1");
            results.Enqueue((context.Request.Protocol + context.Request.QueryString, context.GetTrailersFeature().IsSupported, send));
        }));
        using var client = server.CreateHttp11Client();

        using var http10 = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/t") { Version = HttpVersion.Version10, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        using var withLength = await client.GetAsync("/t?length");

        foreach (var message in new[] { http10, withLength })
        {
            (await message.Content.ReadAsStringAsync()).Should().Be("complete body");
            message.Headers.Contains("trailer").Should().BeFalse("announcing trailers that never come would mislead the client");
            message.TrailingHeaders.Should().BeEmpty();
        }

        results.Should().HaveCount(2).And.AllSatisfy(r =>
        {
            r.Item2.Should().BeFalse(r.Item1);
            r.Item3.Status.Should().Be(TrailersStatus.NotSupported, r.Item1);
        });
    }

    [Fact]
    public async Task Invalid_trailer_throws_in_the_handler_before_anything_is_sent()
    {
        var caught = new TaskCompletionSource<TrailerValidationException>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpResponse response) =>
        {
            response.AnnounceTrailers("x-ok");
            await response.WriteAsync("body");
            try
            {
                await response.SendTrailersAsync([new("x-ok", "1"), new("content-length", "4")]);
            }
            catch (TrailerValidationException ex)
            {
                caught.SetResult(ex);
            }
        }));
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/t");
        (await message.Content.ReadAsStringAsync()).Should().Be("body");

        var ex = await caught.Task.WaitAsync(Timeout);
        ex.FieldName.Should().Be("content-length");
        ex.Rule.Should().Be(TrailerRule.ForbiddenInTrailers);
        message.TrailingHeaders.Should().BeEmpty("validation runs on all fields before any is handed to Kestrel");
    }

    [Fact]
    public async Task Declaring_after_the_response_started_throws_InvalidOperationException()
    {
        var caught = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app => app.MapGet("/t", async (HttpResponse response) =>
        {
            await response.WriteAsync("body");
            try
            {
                response.AnnounceTrailers("x-late");
            }
            catch (InvalidOperationException ex)
            {
                caught.SetResult(ex);
            }
        }));
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/t");
        await message.Content.ReadAsStringAsync();

        (await caught.Task.WaitAsync(Timeout)).Message.Should().Contain("x-late").And.Contain("before the response starts");
    }

    [Theory]
    [InlineData(UndeclaredTrailerPolicy.Allow, false, false)]
    [InlineData(UndeclaredTrailerPolicy.Warn, false, true)]
    [InlineData(UndeclaredTrailerPolicy.Throw, true, false)]
    public async Task Undeclared_trailer_follows_the_configured_policy(UndeclaredTrailerPolicy policy, bool throws, bool warns)
    {
        var outcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var logs = new CapturingLoggerProvider();
        await using var server = await TrailersApp.StartAsync(
            app => app.MapGet("/t", async (HttpResponse response) =>
            {
                await response.WriteAsync("body");
                try
                {
                    await response.SendTrailersAsync("x-undeclared", "1");
                    outcome.SetResult(null);
                }
                catch (TrailerValidationException ex)
                {
                    outcome.SetResult(ex);
                }
            }),
            builder => builder.Services.Configure<Http2FeaturesOptions>(o => o.Trailers.UndeclaredTrailerPolicy = policy),
            logs);
        using var client = server.CreateHttp2Client();

        using var message = await client.GetAsync("/t");
        await message.Content.ReadAsStringAsync();
        var ex = await outcome.Task.WaitAsync(Timeout);

        if (throws)
        {
            ex.Should().BeOfType<TrailerValidationException>().Which.Rule.Should().Be(TrailerRule.Undeclared);
            ex!.Message.Should().Contain("'x-undeclared'");
        }
        else
        {
            ex.Should().BeNull();
            message.TrailingHeaders.GetValues("x-undeclared").Should().Equal("1");
        }

        logs.Entries.Any(e => e.Id.Id == 5001 && e.Level == LogLevel.Warning && e.Message.Contains("x-undeclared", StringComparison.Ordinal))
            .Should().Be(warns);
    }

    [Fact]
    public async Task Helper_works_with_defaults_when_AddHttp2Features_was_not_called()
    {
        await using var server = await Http2TestApp.StartAsync(app =>
        {
            app.UseEndpointTrailerProducers(); // without AddHttp2Features, endpoint metadata needs the middleware
            app.MapGet("/t", async (HttpResponse response) =>
            {
                response.AnnounceTrailers("x-a");
                await response.WriteAsync("x");
                await response.SendTrailersAsync("x-a", "1");
            }).WithServerTimingTrailer();
        });
        var client = await server.CreateRawClientAsync();

        var response = await client.GetAsync("/t");

        response.Trailers["x-a"].Should().Be("1");
        response.Trailers["server-timing"].Should().StartWith("total;dur=");
    }

    [Fact]
    public void Default_undeclared_policy_is_Warn_and_an_undefined_value_fails_at_start()
    {
        new Http2FeaturesOptions().Trailers.UndeclaredTrailerPolicy.Should().Be(UndeclaredTrailerPolicy.Warn);

        var services = new ServiceCollection();
        services.AddHttp2Features(o => o.Trailers.UndeclaredTrailerPolicy = (UndeclaredTrailerPolicy)42);
        using var provider = services.BuildServiceProvider();
        var act = () => provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().WithMessage("*UndeclaredTrailerPolicy*42*");
    }

    [Fact]
    public void Policy_binds_from_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Trailers:UndeclaredTrailerPolicy"] = "Throw" })
            .Build();
        var services = new ServiceCollection();
        services.AddHttp2Features(configuration);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value.Trailers.UndeclaredTrailerPolicy.Should().Be(UndeclaredTrailerPolicy.Throw);
    }

    // Kestrel internals the helper relies on: pinned so a Kestrel update that changes them fails here.
    [Fact]
    public async Task Kestrel_pin_trailers_only_on_http2_no_forbidden_list_and_writer_refuses_memory_once_completed()
    {
        var facts = new TaskCompletionSource<(bool ReadOnlyBefore, Exception? GetMemoryAfter)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var http11HasFeature = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TrailersApp.StartAsync(app =>
        {
            app.MapGet("/h2", async (HttpContext context) =>
            {
                var trailers = context.Features.Get<IHttpResponseTrailersFeature>()!.Trailers;
                var before = trailers.IsReadOnly;
                trailers.Append("content-length", "1"); // Kestrel accepts what RFC 9110 forbids: hence our validation
                await context.Response.WriteAsync("x");
                await context.Response.CompleteAsync();
                Exception? getMemory = null;
                try
                {
                    context.Response.BodyWriter.GetMemory(1);
                }
                catch (Exception ex)
                {
                    getMemory = ex;
                }

                facts.SetResult((before, getMemory));
            });
            app.MapGet("/h1", (HttpContext context) => http11HasFeature.SetResult(context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is not null));
        });
        using var h2 = server.CreateHttp2Client();
        using var h1 = server.CreateHttp11Client();

        using var message = await h2.GetAsync("/h2");
        await message.Content.ReadAsStringAsync();
        (await h1.GetAsync("/h1")).Dispose();

        var (before, getMemory) = await facts.Task.WaitAsync(Timeout);
        before.Should().BeFalse();
        getMemory.Should().BeOfType<InvalidOperationException>("ResponseCompleted detection relies on Kestrel's writer refusing GetMemory after CompleteAsync");
        message.TrailingHeaders.GetValues("content-length").Should().Equal("1");
        (await http11HasFeature.Task.WaitAsync(Timeout)).Should().BeFalse();
    }
}
