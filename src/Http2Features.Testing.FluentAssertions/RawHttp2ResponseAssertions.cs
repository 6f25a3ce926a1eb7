using System.Globalization;
using FluentAssertions;
using FluentAssertions.Execution;
using FluentAssertions.Primitives;

namespace Http2Features.Testing;

/// <summary>FluentAssertions entry points for the raw client's results.</summary>
public static class RawHttp2AssertionExtensions
{
    /// <summary>Starts assertions on a response: <c>response.Should().HaveStatus(200).And.HaveTrailer("grpc-status", "0")</c>.</summary>
    public static RawHttp2ResponseAssertions Should(this RawHttp2Response instance) => new(instance);

    /// <summary>Starts assertions on a connection's frames and GOAWAY.</summary>
    public static RawHttp2ClientAssertions Should(this RawHttp2Client instance) => new(instance);
}

/// <summary>Assertions on a <see cref="RawHttp2Response"/>; every failure message shows what the stream received.</summary>
public sealed class RawHttp2ResponseAssertions : ReferenceTypeAssertions<RawHttp2Response, RawHttp2ResponseAssertions>
{
    /// <summary>Creates the assertions.</summary>
    public RawHttp2ResponseAssertions(RawHttp2Response subject)
        : base(subject)
    {
    }

    /// <inheritdoc />
    protected override string Identifier => "response";

    /// <summary>Asserts the final status code.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> HaveStatus(int expected, string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject is not null)
            .FailWith("Expected {context:response} to have status {0}{reason}, but it was <null>.", expected)
            .Then
            .ForCondition(Subject!.Status == expected)
            .FailWith("Expected {context:response} to have status {0}{reason}, but found {1}. Received: {2}", expected, Subject.Status, Describe());
        return new(this);
    }

    /// <summary>Asserts a response header is present (any value).</summary>
    /// <remarks>No "because" parameters here: they would make <c>HaveHeader(name, value)</c> ambiguous.</remarks>
    public AndConstraint<RawHttp2ResponseAssertions> HaveHeader(string name)
    {
        Execute.Assertion
            .ForCondition(Subject?.Headers[name] is not null)
            .FailWith("Expected {context:response} to have header {0}{reason}, but it did not. Received: {1}", name, Describe());
        return new(this);
    }

    /// <summary>Asserts a response header has the value (any of its values matches).</summary>
    public AndConstraint<RawHttp2ResponseAssertions> HaveHeader(string name, string value, string because = "", params object[] becauseArgs)
    {
        var values = Subject?.Headers.GetValues(name) ?? [];
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(values.Contains(value, StringComparer.Ordinal))
            .FailWith("Expected {context:response} to have header {0} with value {1}{reason}, but found {2}. Received: {3}",
                name, value, values.Count == 0 ? "no such header" : string.Join(", ", values), Describe());
        return new(this);
    }

    /// <summary>Asserts a response header is absent.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> NotHaveHeader(string name)
    {
        Execute.Assertion
            .ForCondition(Subject?.Headers[name] is null)
            .FailWith("Expected {context:response} not to have header {0}{reason}, but found {1}. Received: {2}", name, Subject?.Headers[name], Describe());
        return new(this);
    }

    /// <summary>Asserts at least one informational response with this status arrived; returns it for further assertions.</summary>
    public AndWhichConstraint<RawHttp2ResponseAssertions, InformationalResponse> HaveInformational(int status)
    {
        var match = Subject?.Informational.FirstOrDefault(i => i.Status == status);
        Execute.Assertion
            .ForCondition(match is not null)
            .FailWith("Expected {context:response} to have an informational {0} response{reason}, but found {1}. Received: {2}",
                status, DescribeInformational(), Describe());
        return new(this, match!);
    }

    /// <summary>Asserts an informational response with this status carried a header with this value.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> HaveInformational(int status, string headerName, string headerValue, string because = "", params object[] becauseArgs)
    {
        var matches = Subject?.Informational.Where(i => i.Status == status).ToList() ?? [];
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(matches.Any(i => i.Headers.GetValues(headerName).Contains(headerValue, StringComparer.Ordinal)))
            .FailWith("Expected {context:response} to have an informational {0} response with {1}: {2}{reason}, but found {3}. Received: {4}",
                status, headerName, headerValue, DescribeInformational(), Describe());
        return new(this);
    }

    /// <summary>Asserts the exact sequence of informational status codes (e.g. <c>100, 103</c>).</summary>
    public AndConstraint<RawHttp2ResponseAssertions> HaveInformationalStatuses(params int[] statuses)
    {
        var actual = Subject?.Informational.Select(i => i.Status).ToArray() ?? [];
        Execute.Assertion
            .ForCondition(actual.SequenceEqual(statuses))
            .FailWith("Expected {context:response} to have informational responses {0}, but found {1}. Received: {2}",
                string.Join(", ", statuses), DescribeInformational(), Describe());
        return new(this);
    }

    /// <summary>Asserts no informational response arrived.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> NotHaveInformational(string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject is not null && Subject.Informational.Count == 0)
            .FailWith("Expected {context:response} to have no informational responses{reason}, but found {0}.", DescribeInformational());
        return new(this);
    }

    /// <summary>Asserts a trailer field is present.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> HaveTrailer(string name)
    {
        Execute.Assertion
            .ForCondition(Subject?.Trailers[name] is not null)
            .FailWith("Expected {context:response} to have trailer {0}{reason}, but it did not. Received: {1}", name, Describe());
        return new(this);
    }

    /// <summary>Asserts a trailer field has this value.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> HaveTrailer(string name, string value, string because = "", params object[] becauseArgs)
    {
        var values = Subject?.Trailers.GetValues(name) ?? [];
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(values.Contains(value, StringComparer.Ordinal))
            .FailWith("Expected {context:response} to have trailer {0} with value {1}{reason}, but found {2}. Received: {3}",
                name, value, values.Count == 0 ? "no such trailer" : string.Join(", ", values), Describe());
        return new(this);
    }

    /// <summary>Asserts the response carried no trailers.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> NotHaveTrailers(string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject is not null && Subject.Trailers.Count == 0)
            .FailWith("Expected {context:response} to have no trailers{reason}, but found {0}.", Subject?.Trailers.ToString());
        return new(this);
    }

    /// <summary>Asserts the body, decoded as UTF-8.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> HaveBody(string expected, string because = "", params object[] becauseArgs)
    {
        var actual = Subject?.BodyText;
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(string.Equals(actual, expected, StringComparison.Ordinal))
            .FailWith("Expected {context:response} to have body {0}{reason}, but found {1}. Received: {2}", expected, Truncate(actual), Describe());
        return new(this);
    }

    /// <summary>Asserts the server reset the stream with this error code.</summary>
    public AndConstraint<RawHttp2ResponseAssertions> BeReset(Http2ErrorCode expected, string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject?.ResetCode == expected)
            .FailWith("Expected {context:response} to be reset with {0}{reason}, but {1}. Received: {2}",
                expected, Subject?.ResetCode is { } c ? "it was reset with " + c : "it was not reset", Describe());
        return new(this);
    }

    /// <summary>Asserts the stream ended normally with END_STREAM (not reset).</summary>
    public AndConstraint<RawHttp2ResponseAssertions> HaveCompleted(string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject is not null && Subject.EndStreamReceived && Subject.ResetCode is null)
            .FailWith("Expected {context:response} to end with END_STREAM{reason}, but it did not. Received: {0}", Describe());
        return new(this);
    }

    private string Describe() => Subject?.ToString() ?? "<null>";

    private string DescribeInformational() =>
        Subject is null || Subject.Informational.Count == 0
            ? "no informational responses"
            : string.Join("; ", Subject.Informational.Select(i => i.ToString()));

    private static string? Truncate(string? s) =>
        s is null || s.Length <= 200 ? s : string.Concat(s.AsSpan(0, 200), "...(" + s.Length.ToString(CultureInfo.InvariantCulture) + " chars)");
}

/// <summary>Assertions on a <see cref="RawHttp2Client"/> connection; failure messages list the recent frames.</summary>
public sealed class RawHttp2ClientAssertions : ReferenceTypeAssertions<RawHttp2Client, RawHttp2ClientAssertions>
{
    /// <summary>Creates the assertions.</summary>
    public RawHttp2ClientAssertions(RawHttp2Client subject)
        : base(subject)
    {
    }

    /// <inheritdoc />
    protected override string Identifier => "connection";

    /// <summary>Asserts the server sent GOAWAY with this error code.</summary>
    public AndWhichConstraint<RawHttp2ClientAssertions, GoAwayInfo> HaveReceivedGoAway(Http2ErrorCode expected, string because = "", params object[] becauseArgs)
    {
        var goAway = Subject?.GoAway;
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(goAway?.ErrorCode == expected)
            .FailWith("Expected {context:connection} to have received GOAWAY {0}{reason}, but {1}. Frames:\n{2}",
                expected, goAway is null ? "no GOAWAY arrived" : "got " + goAway, Frames());
        return new(this, goAway!);
    }

    /// <summary>Asserts the server sent at least one frame of this type (optionally on one stream).</summary>
    public AndConstraint<RawHttp2ClientAssertions> HaveReceivedFrame(Http2FrameType type, int? streamId = null, string because = "", params object[] becauseArgs)
    {
        var found = Subject?.FrameLog.Any(f => f.Direction == FrameDirection.Received && f.Type == type && (streamId is null || f.StreamId == streamId)) ?? false;
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(found)
            .FailWith("Expected {context:connection} to have received a {0} frame{1}{reason}, but none arrived. Frames:\n{2}",
                FrameNames.Of(type), streamId is null ? "" : " on stream " + streamId.Value.ToString(CultureInfo.InvariantCulture), Frames());
        return new(this);
    }

    /// <summary>Asserts the server sent no frame of this type.</summary>
    public AndConstraint<RawHttp2ClientAssertions> NotHaveReceivedFrame(Http2FrameType type, string because = "", params object[] becauseArgs)
    {
        var found = Subject?.FrameLog.FirstOrDefault(f => f.Direction == FrameDirection.Received && f.Type == type);
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(found is null)
            .FailWith("Expected {context:connection} not to have received a {0} frame{reason}, but got {1}. Frames:\n{2}",
                FrameNames.Of(type), found?.ToString(), Frames());
        return new(this);
    }

    private string Frames() => Subject?.DescribeRecentFrames(30) ?? "<null>";
}
