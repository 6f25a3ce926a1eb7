using FluentAssertions;
using Http2Features.EarlyHints;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintsApiTests
{
    [Fact]
    public async Task A_replaced_feature_on_HttpContext_Features_receives_the_formatted_links()
    {
        var fake = new RecordingFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpEarlyHintsFeature>(fake);

        var result = await context.Response.SendEarlyHintsAsync(EarlyHintLink.Preload("/a.css", "style"), EarlyHintLink.Preconnect("https://cdn.example"));

        result.IsSent.Should().BeTrue();
        fake.Calls.Should().ContainSingle().Which.Should().Equal(
            new KeyValuePair<string, string>("link", "</a.css>; rel=preload; as=style"),
            new KeyValuePair<string, string>("link", "<https://cdn.example>; rel=preconnect"));
    }

    [Theory]
    [InlineData(10, "MaxTotalSize must be between 64 and 65536 bytes; got 10")]
    [InlineData(100_000, "MaxTotalSize must be between 64 and 65536 bytes; got 100000")]
    public void Options_validation_names_the_setting_and_its_range(int maxTotalSize, string message)
    {
        var services = new ServiceCollection().AddHttp2Features(o => o.EarlyHints.MaxTotalSize = maxTotalSize);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage($"*Http2Features:EarlyHints:{message}*");
    }

    [Fact]
    public void Write_timeout_of_zero_is_refused()
    {
        var services = new ServiceCollection().AddHttp2Features(o => o.EarlyHints.WriteTimeout = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<Http2FeaturesOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*WriteTimeout must be between 1 ms and 10 min*");
    }

    [Fact]
    public void Result_default_is_sent_and_a_not_sent_result_carries_its_status_and_error()
    {
        default(EarlyHintsResult).IsSent.Should().BeTrue();
        default(EarlyHintsResult).Status.Should().Be(EarlyHintsStatus.Sent);
        var timeout = new EarlyHintsResult(EarlyHintsStatus.Timeout);
        timeout.IsSent.Should().BeFalse();
        timeout.Should().Be(new EarlyHintsResult(EarlyHintsStatus.Timeout));
        timeout.ToString().Should().Be("Timeout");
        new EarlyHintsResult(EarlyHintsStatus.ConnectionClosed, new IOException("reset")).ToString().Should().Be("ConnectionClosed: reset");
    }

    private sealed class RecordingFeature : IHttpEarlyHintsFeature
    {
        public List<IReadOnlyList<KeyValuePair<string, string>>> Calls { get; } = [];

        public ValueTask<EarlyHintsResult> SendAsync(IReadOnlyList<KeyValuePair<string, string>> fields, CancellationToken cancellationToken = default)
        {
            Calls.Add(fields);
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.Sent));
        }
    }
}
