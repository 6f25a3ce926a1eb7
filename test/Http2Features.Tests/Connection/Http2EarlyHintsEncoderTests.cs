using System.Diagnostics;
using System.Text;
using FluentAssertions;
using Http2Features.Connection;

namespace Http2Features.Tests.Connection;

public class Http2EarlyHintsEncoderTests
{
    private static readonly KeyValuePair<string, string>[] OneLink = [new("link", "</a.css>; rel=preload; as=style")];

    [Fact]
    public void Status_is_literal_without_indexing_static_8_and_link_uses_static_name_45()
    {
        var bytes = Http2EarlyHintsEncoder.Encode(OneLink, streamId: 5, maxFrameSize: 16384);

        var value = "</a.css>; rel=preload; as=style"u8.ToArray();
        byte[] block = [0x08, 0x03, (byte)'1', (byte)'0', (byte)'3', 0x0F, 0x1E, (byte)value.Length, .. value];
        bytes.Should().Equal([0x00, 0x00, (byte)block.Length, 0x01, 0x04, 0x00, 0x00, 0x00, 0x05, .. block]);
    }

    [Fact]
    public void Unknown_names_are_literal_new_name_in_lower_case()
    {
        var block = new byte[64];
        var length = Http2EarlyHintsEncoder.EncodeBlock([new("X-Hint", "1")], block);
        block[..length].Should().Equal([0x08, 0x03, (byte)'1', (byte)'0', (byte)'3', 0x00, 0x06, .. "x-hint"u8.ToArray(), 0x01, (byte)'1']);
    }

    [Fact]
    public void Block_never_starts_with_a_dynamic_table_size_update_and_leaves_the_table_alone()
    {
        // Only Kestrel's encoder knows when it applies a new size: an update or an indexed literal from the pack
        // could put the client's table out of step with it.
        var block = new byte[64];
        var length = Http2EarlyHintsEncoder.EncodeBlock(OneLink, block);
        length.Should().Be(Http2EarlyHintsEncoder.GetBlockLength(OneLink));
        block[0].Should().Be(0x08, "the block starts with :status 103, never with a size update (001xxxxx)");
        (block[5] & 0xF0).Should().Be(0x00, "link is a literal without indexing (0000xxxx)");
    }

    [Fact]
    public void Block_larger_than_max_frame_size_continues_in_CONTINUATION_frames_with_END_HEADERS_on_the_last()
    {
        var fields = Enumerable.Range(0, 5).Select(i => new KeyValuePair<string, string>("link", $"</{i}.css>; rel=preload; as=style; x=\"{new string('a', 8000)}\"")).ToArray();
        var bytes = Http2EarlyHintsEncoder.Encode(fields, 3, 16384);

        var frames = TestFrames.Parse(bytes);
        frames.Select(f => f.Type).Should().Equal(0x1, 0x9, 0x9);
        frames.Select(f => f.Flags).Should().Equal(0x0, 0x0, 0x4);
        frames.Should().OnlyContain(f => f.StreamId == 3 && f.Payload.Length <= 16384);
        var block = frames.SelectMany(f => f.Payload).ToArray();
        block.Length.Should().Be(Http2EarlyHintsEncoder.GetBlockLength(fields));
    }

    [Fact]
    public void Python_hpack_decodes_the_block_as_status_103_and_the_fields()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            Assert.Skip("needs /usr/bin/python3 with the hpack module (Debian package python3-h2)");
        }

        KeyValuePair<string, string>[] fields = [new("link", "</a.css>; rel=preload; as=style"), new("Link", "</b.js>; rel=modulepreload"), new("x-Custom", "v")];
        var block = new byte[256];
        var length = Http2EarlyHintsEncoder.EncodeBlock(fields, block);
        var hex = Convert.ToHexString(block, 0, length);
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", "import sys,hpack; d=hpack.Decoder(); print(d.decode(bytes.fromhex(sys.argv[1])))", hex])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (output.Contains("No module named", StringComparison.Ordinal))
        {
            Assert.Skip("python hpack module missing: install the Debian package python3-h2");
        }

        output.Trim().Should().Be("[(':status', '103'), ('link', '</a.css>; rel=preload; as=style'), ('link', '</b.js>; rel=modulepreload'), ('x-custom', 'v')]");
    }

    [Fact]
    public void Http1_block_is_a_complete_103_status_block()
    {
        KeyValuePair<string, string>[] fields = [new("Link", "</a.css>; rel=preload; as=style"), new("Link", "</b.js>; rel=modulepreload")];
        var buffer = new byte[Http1EarlyHintsEncoder.GetLength(fields)];
        Http1EarlyHintsEncoder.Encode(fields, buffer).Should().Be(buffer.Length);
        Encoding.ASCII.GetString(buffer).Should().Be(
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload; as=style\r\nLink: </b.js>; rel=modulepreload\r\n\r\n");
    }
}
