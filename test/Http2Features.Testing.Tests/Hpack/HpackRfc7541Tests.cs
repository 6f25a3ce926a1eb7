using FluentAssertions;

namespace Http2Features.Testing.Tests.Hpack;

/// <summary>The examples of RFC 7541 Appendix C, byte for byte, through both the decoder and the encoder.</summary>
public class HpackRfc7541Tests
{
    private static KeyValuePair<string, string> H(string name, string value) => new(name, value);

    private static readonly KeyValuePair<string, string>[][] s_requests =
    [
        [H(":method", "GET"), H(":scheme", "http"), H(":path", "/"), H(":authority", "www.example.com")],
        [H(":method", "GET"), H(":scheme", "http"), H(":path", "/"), H(":authority", "www.example.com"), H("cache-control", "no-cache")],
        [H(":method", "GET"), H(":scheme", "https"), H(":path", "/index.html"), H(":authority", "www.example.com"), H("custom-key", "custom-value")],
    ];

    private static readonly KeyValuePair<string, string>[][] s_responses =
    [
        [H(":status", "302"), H("cache-control", "private"), H("date", "Mon, 21 Oct 2013 20:13:21 GMT"), H("location", "https://www.example.com")],
        [H(":status", "307"), H("cache-control", "private"), H("date", "Mon, 21 Oct 2013 20:13:21 GMT"), H("location", "https://www.example.com")],
        [H(":status", "200"), H("cache-control", "private"), H("date", "Mon, 21 Oct 2013 20:13:22 GMT"), H("location", "https://www.example.com"),
            H("content-encoding", "gzip"), H("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")],
    ];

    // C.3 requests without Huffman, C.4 with Huffman (dynamic table sizes after each block: 57, 110, 164).
    private static readonly string[] s_c3 =
    [
        "828684410f7777772e6578616d706c652e636f6d",
        "828684be58086e6f2d6361636865",
        "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    ];

    private static readonly string[] s_c4 =
    [
        "828684418cf1e3c2e5f23a6ba0ab90f4ff",
        "828684be5886a8eb10649cbf",
        "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
    ];

    // C.5 responses without Huffman, C.6 with Huffman, dynamic table limited to 256 octets (sizes 222, 222, 215).
    private static readonly string[] s_c5 =
    [
        "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
        "4803333037c1c0bf",
        "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
    ];

    private static readonly string[] s_c6 =
    [
        "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        "4883640effc1c0bf",
        "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
    ];

    public static TheoryData<string> Sections => new() { "C.3", "C.4", "C.5", "C.6" };

    private static (string[] Hex, KeyValuePair<string, string>[][] Headers, int TableSize, bool Huffman, int[] Sizes) Section(string name) => name switch
    {
        "C.3" => (s_c3, s_requests, 4096, false, [57, 110, 164]),
        "C.4" => (s_c4, s_requests, 4096, true, [57, 110, 164]),
        "C.5" => (s_c5, s_responses, 256, false, [222, 222, 215]),
        "C.6" => (s_c6, s_responses, 256, true, [222, 222, 215]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Sections))]
    public void Decoder_reproduces_the_RFC_header_lists_and_table_sizes(string section)
    {
        var (hex, headers, tableSize, _, sizes) = Section(section);
        var decoder = new HpackDecoder(4096);
        if (tableSize != 4096)
        {
            // The RFC's response examples run with SETTINGS_HEADER_TABLE_SIZE 256.
            decoder = new HpackDecoder(256);
        }

        for (var i = 0; i < hex.Length; i++)
        {
            decoder.Decode(Convert.FromHexString(hex[i])).Should().Equal(headers[i], $"{section}.{i + 1}");
            decoder.DynamicTableSize.Should().Be(sizes[i], $"{section}.{i + 1} table size");
        }
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public void Encoder_produces_the_RFC_bytes(string section)
    {
        var (hex, headers, tableSize, huffman, sizes) = Section(section);
        var encoder = new HpackEncoder(tableSize) { UseHuffman = huffman };

        for (var i = 0; i < hex.Length; i++)
        {
            Convert.ToHexStringLower(encoder.Encode(headers[i])).Should().Be(hex[i], $"{section}.{i + 1}");
            encoder.DynamicTableSize.Should().Be(sizes[i]);
        }
    }

    [Fact]
    public void C5_dynamic_table_after_the_third_response_matches_the_RFC()
    {
        var decoder = new HpackDecoder(256);
        foreach (var block in s_c5)
        {
            decoder.Decode(Convert.FromHexString(block));
        }

        decoder.DynamicTable.Should().Equal(new[]
        {
            H("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
            H("content-encoding", "gzip"),
            H("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
        });
    }

    [Theory]
    [InlineData("400a637573746f6d2d6b65790d637573746f6d2d686561646572", "custom-key", "custom-header", 55)] // C.2.1
    [InlineData("040c2f73616d706c652f70617468", ":path", "/sample/path", 0)] // C.2.2
    [InlineData("100870617373776f726406736563726574", "password", "secret", 0)] // C.2.3
    [InlineData("82", ":method", "GET", 0)] // C.2.4
    public void C2_single_field_representations_decode(string hex, string name, string value, int tableSize)
    {
        var decoder = new HpackDecoder();

        decoder.Decode(Convert.FromHexString(hex)).Should().Equal(new[] { H(name, value) });
        decoder.DynamicTableSize.Should().Be(tableSize);
    }

    [Fact]
    public void C2_literal_forms_encode_as_in_the_RFC()
    {
        var encoder = new HpackEncoder { UseHuffman = false };
        var output = new List<byte>();

        encoder.EncodeField(output, "custom-key", "custom-header", HpackIndexing.Incremental);
        Convert.ToHexStringLower(output.ToArray()).Should().Be("400a637573746f6d2d6b65790d637573746f6d2d686561646572");
        output.Clear();
        encoder.EncodeField(output, ":path", "/sample/path", HpackIndexing.WithoutIndexing);
        Convert.ToHexStringLower(output.ToArray()).Should().Be("040c2f73616d706c652f70617468");
        output.Clear();
        encoder.EncodeField(output, "password", "secret", HpackIndexing.NeverIndexed);
        Convert.ToHexStringLower(output.ToArray()).Should().Be("100870617373776f726406736563726574");
    }

    [Theory]
    [InlineData(10, 5, "0a")] // C.1.1
    [InlineData(1337, 5, "1f9a0a")] // C.1.2
    [InlineData(42, 8, "2a")] // C.1.3
    public void C1_integers_encode_and_decode(int value, int prefix, string hex)
    {
        var output = new List<byte>();
        HpackEncoder.WriteInteger(output, 0, prefix, (ulong)value);
        Convert.ToHexStringLower(output.ToArray()).Should().Be(hex);
        var pos = 0;
        HpackDecoder.ReadInteger(Convert.FromHexString(hex), ref pos, prefix).Should().Be((ulong)value);
    }

    [Theory]
    [InlineData(0, 0x1ff8u, 13)]
    [InlineData(10, 0x3ffffffcu, 30)]
    [InlineData(32, 0x14u, 6)]
    [InlineData(48, 0x0u, 5)]
    [InlineData(65, 0x21u, 6)]
    [InlineData(97, 0x3u, 5)]
    [InlineData(127, 0xffffffcu, 28)]
    [InlineData(200, 0x3ffffe2u, 26)]
    [InlineData(255, 0x3ffffeeu, 26)]
    [InlineData(256, 0x3fffffffu, 30)]
    public void Huffman_codes_match_RFC_7541_Appendix_B(int symbol, uint code, int length)
    {
        HpackHuffman.GetCode(symbol).Should().Be((code, length));
    }

    [Fact]
    public void Huffman_code_is_prefix_free_and_complete()
    {
        // Kraft sum of a complete prefix code is exactly 1.
        double kraft = 0;
        for (var s = 0; s <= 256; s++)
        {
            kraft += Math.Pow(2, -HpackHuffman.GetCode(s).Length);
        }

        kraft.Should().Be(1.0);
    }

    [Fact]
    public void Huffman_round_trips_every_byte_value()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        HpackHuffman.Decode(HpackHuffman.Encode(all)).Should().Equal(all);
    }

    [Theory]
    [InlineData("ff")] // 8 one-bits: padding must be shorter than 8 bits
    [InlineData("10")] // 00010 = '2', then "000": padding must be ones (a prefix of EOS)
    public void Huffman_rejects_invalid_padding(string hex)
    {
        var act = () => HpackHuffman.Decode(Convert.FromHexString(hex));

        act.Should().Throw<HpackException>().WithMessage("*padding*");
    }

    [Fact]
    public void Huffman_rejects_an_encoded_EOS()
    {
        var act = () => HpackHuffman.Decode(Convert.FromHexString("ffffffff"));

        act.Should().Throw<HpackException>().WithMessage("*EOS*");
    }

    [Fact]
    public void Decoder_rejects_an_index_beyond_both_tables()
    {
        var act = () => new HpackDecoder().Decode([0xBE]); // index 62, empty dynamic table

        act.Should().Throw<HpackException>().WithMessage("*index 62*");
    }

    [Fact]
    public void Decoder_rejects_a_size_update_above_the_advertised_limit()
    {
        var output = new List<byte>();
        HpackEncoder.WriteTableSizeUpdate(output, 8192);

        var act = () => new HpackDecoder(4096).Decode(output.ToArray());

        act.Should().Throw<HpackException>().WithMessage("*8192 exceeds SETTINGS_HEADER_TABLE_SIZE 4096*");
    }

    [Fact]
    public void Decoder_rejects_a_size_update_after_a_field()
    {
        var act = () => new HpackDecoder().Decode([0x82, 0x20]);

        act.Should().Throw<HpackException>().WithMessage("*after a header field*");
    }

    [Fact]
    public void Encoder_announces_a_smaller_table_at_the_start_of_the_next_block()
    {
        var encoder = new HpackEncoder(4096);
        var decoder = new HpackDecoder(4096);
        decoder.Decode(encoder.Encode([H("x-a", "1")]));

        encoder.SetMaxDynamicTableSize(0);
        encoder.SetMaxDynamicTableSize(100);
        var block = encoder.Encode([H("x-b", "2")]);

        block[0].Should().Be(0x20, "first the minimum size reached (0)");
        decoder.Decode(block).Should().Equal(new[] { H("x-b", "2") });
        decoder.DynamicTableMaxSize.Should().Be(100);
        decoder.DynamicTable.Should().Equal(new[] { H("x-b", "2") });
    }
}
