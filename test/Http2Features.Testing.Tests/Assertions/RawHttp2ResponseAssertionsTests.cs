using System.Text;
using FluentAssertions;

namespace Http2Features.Testing.Tests.Assertions;

public class RawHttp2ResponseAssertionsTests
{
    private static RawHttp2Response Response(
        int status = 200,
        IEnumerable<InformationalResponse>? informational = null,
        Http2ErrorCode? reset = null,
        string body = "hello") => new(
        streamId: 1,
        informational: (informational ?? []).ToList(),
        status: status,
        headers: new HeaderList([new(":status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("content-type", "text/plain"), new("x-a", "1"), new("x-a", "2")]),
        body: Encoding.UTF8.GetBytes(body),
        trailers: new HeaderList([new("grpc-status", "0")]),
        resetCode: reset,
        dataFrameCount: 1,
        headersTimestamp: 1,
        firstDataTimestamp: 2,
        endTimestamp: 3,
        headersSequence: 5,
        endStreamReceived: reset is null);

    private static InformationalResponse Hint(string link) =>
        new(103, new HeaderList([new(":status", "103"), new("link", link)]), 0, TimeSpan.Zero, 2);

    [Fact]
    public void Passing_chain_covers_status_headers_informational_trailers_and_body()
    {
        var response = Response(informational: [Hint("</a.css>; rel=preload")]);

        response.Should().HaveStatus(200)
            .And.HaveHeader("Content-Type", "text/plain")
            .And.HaveHeader("x-a", "2")
            .And.NotHaveHeader("x-missing")
            .And.HaveInformational(103)
            .And.HaveInformational(103, "link", "</a.css>; rel=preload")
            .And.HaveInformationalStatuses(103)
            .And.HaveTrailer("grpc-status", "0")
            .And.HaveBody("hello")
            .And.HaveCompleted();
    }

    [Fact]
    public void Status_failure_shows_what_was_received()
    {
        var act = () => Response(status: 404, body: "not here").Should().HaveStatus(200);

        act.Should().Throw<Exception>()
            .WithMessage("Expected response to have status 200, but found 404*stream 1: 404*content-type: text/plain*body 8 bytes*grpc-status: 0*");
    }

    [Fact]
    public void Missing_informational_failure_lists_the_informational_responses_received()
    {
        var act = () => Response(informational: [Hint("</b.js>")]).Should().HaveInformational(100);

        act.Should().Throw<Exception>().WithMessage("*informational 100 response*but found*103*link: </b.js>*");
    }

    [Fact]
    public void Trailer_failure_names_the_trailer_and_the_values_found()
    {
        var act = () => Response().Should().HaveTrailer("grpc-status", "2");

        act.Should().Throw<Exception>().WithMessage("*trailer \"grpc-status\" with value \"2\"*but found \"0\"*");
    }

    [Fact]
    public void Two_string_header_and_informational_checks_compare_the_value_not_just_presence()
    {
        var response = Response(informational: [Hint("</a.css>")]);

        var header = () => response.Should().HaveHeader("content-type", "application/json");
        var informational = () => response.Should().HaveInformational(103, "link", "</other.css>");

        header.Should().Throw<Exception>().WithMessage("*header \"content-type\" with value \"application/json\"*but found \"text/plain\"*");
        informational.Should().Throw<Exception>().WithMessage("*informational 103 response with*link*</other.css>*");
    }

    [Fact]
    public void Reset_assertion_reports_a_stream_that_ended_normally()
    {
        var act = () => Response().Should().BeReset(Http2ErrorCode.Cancel);

        act.Should().Throw<Exception>().WithMessage("*reset with*Cancel*but*it was not reset*");
        Response(reset: Http2ErrorCode.Cancel).Should().BeReset(Http2ErrorCode.Cancel);
    }

    [Fact]
    public void Header_lookup_is_case_insensitive_and_keeps_every_value()
    {
        var headers = Response().Headers;

        headers["X-A"].Should().Be("1");
        headers.GetValues("x-a").Should().Equal("1", "2");
        headers["nope"].Should().BeNull();
    }
}
