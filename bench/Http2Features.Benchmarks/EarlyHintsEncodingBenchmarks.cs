using BenchmarkDotNet.Attributes;
using Http2Features.Connection;

namespace Http2Features.Benchmarks;

/// <summary>
/// HPACK encoding of a 103 Early Hints HEADERS frame (literal without indexing, static name indexes): the work
/// the seam does per hint on HTTP/2, measured into a reused buffer and as the allocating helper.
/// </summary>
[MemoryDiagnoser]
public class EarlyHintsEncodingBenchmarks
{
    private readonly byte[] _destination = new byte[4096];

    private KeyValuePair<string, string>[] _oneLink = [];
    private KeyValuePair<string, string>[] _pageLinks = [];

    [GlobalSetup]
    public void Setup()
    {
        _oneLink = [new("link", "</style.css>; rel=preload; as=style")];

        // A typical page: one link field per resource (stylesheets, scripts, a font, a preconnect).
        _pageLinks =
        [
            new("link", "</css/site.css>; rel=preload; as=style"),
            new("link", "</css/theme.css>; rel=preload; as=style"),
            new("link", "</js/app.js>; rel=preload; as=script; fetchpriority=high"),
            new("link", "</js/vendor.js>; rel=preload; as=script"),
            new("link", "</fonts/inter.woff2>; rel=preload; as=font; type=\"font/woff2\"; crossorigin"),
            new("link", "<https://cdn.example.com>; rel=preconnect"),
            new("x-request-id", "7f3c9a0e-4b1d-4e8e-9d1a-2c5f6b7e8d90"),
        ];
    }

    /// <summary>One link, into a reused buffer (frame header + block).</summary>
    [Benchmark(Baseline = true)]
    public int OneLinkIntoBuffer() => EncodeInto(_oneLink);

    /// <summary>Seven fields of a page load, into a reused buffer.</summary>
    [Benchmark]
    public int PageLinksIntoBuffer() => EncodeInto(_pageLinks);

    /// <summary>Seven fields through the allocating helper (returns a new frame array).</summary>
    [Benchmark]
    public byte[] PageLinksAllocating() => Http2EarlyHintsEncoder.Encode(_pageLinks, streamId: 1, maxFrameSize: 16384);

    private int EncodeInto(KeyValuePair<string, string>[] fields)
    {
        var block = Http2EarlyHintsEncoder.EncodeBlock(fields, _destination.AsSpan(9));
        Http2EarlyHintsEncoder.WriteFrameHeader(_destination, block, 0x1, 0x4, 1);
        return block + 9;
    }
}
