using System.Text;
using FluentAssertions;
using Http2Features.Connection;

namespace Http2Features.Tests.Connection;

public class Http1ChunkedTrailerTrackerTests
{
    private const string Head = "HTTP/1.1 200 OK\r\nDate: x\r\nTransfer-Encoding: chunked\r\nTrailer: x-a\r\n\r\n";

    // Feeds the output in pieces of the given size; returns the absolute offset of the trailer insertion point.
    private static (long Offset, Http1ResponseTrailers Trailers) Feed(string output, int piece)
    {
        var tracker = new Http1ChunkedTrailerTracker();
        var trailers = new Http1ResponseTrailers();
        tracker.Claim(trailers);
        var bytes = Encoding.ASCII.GetBytes(output);
        long found = -1;
        for (var offset = 0; offset < bytes.Length; offset += piece)
        {
            var slice = bytes.AsSpan(offset, Math.Min(piece, bytes.Length - offset));
            var at = tracker.Observe(slice, out var hit);
            if (at >= 0)
            {
                found.Should().Be(-1, "only one insertion point per claimed response");
                hit.Should().BeSameAs(trailers);
                found = offset + at;
            }
        }

        return (found, trailers);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Finds_the_point_after_the_last_chunk_however_the_output_is_split(int piece)
    {
        // Data that looks like a last chunk must not fool it: only the framing counts.
        var output = "HTTP/1.1 100 Continue\r\n\r\n" + Head + "5\r\n0\r\n\r\n\r\n1a\r\n" + new string('q', 26) + "\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n";

        var (offset, trailers) = Feed(output, piece);

        offset.Should().Be(output.IndexOf("0\r\n\r\nHTTP", StringComparison.Ordinal) + 3);
        trailers.Framing.Should().Be(Http1TrailerFraming.Chunked);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "NotChunked")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", "NotChunked")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "NotChunked")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX", "FramingMismatch")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "FramingMismatch")]
    [InlineData("\u0016\u0003\u0001 TLS record bytes\r\n", "FramingMismatch")]
    public void Never_finds_an_insertion_point_in_a_response_without_Kestrels_chunked_framing(string output, string expected)
    {
        var (offset, trailers) = Feed(output, 3);

        offset.Should().Be(-1);
        trailers.Framing.ToString().Should().Be(expected);
        trailers.TryAdd("x-a", "1").Should().BeFalse("no last chunk will carry it");
    }

    [Fact]
    public void Encoded_fields_are_name_colon_space_value_lines_and_nothing_is_added_after_the_take()
    {
        var trailers = new Http1ResponseTrailers();
        trailers.TryAdd("x-a", "1").Should().BeTrue();
        trailers.TryAdd("X-Empty", "").Should().BeTrue();

        Encoding.ASCII.GetString(trailers.TakeEncoded()).Should().Be("x-a: 1\r\nX-Empty: \r\n");
        trailers.Framing.Should().Be(Http1TrailerFraming.Written);
        trailers.TryAdd("x-late", "1").Should().BeFalse();
    }
}
