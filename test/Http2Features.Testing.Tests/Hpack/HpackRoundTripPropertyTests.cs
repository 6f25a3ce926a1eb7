using CsCheck;
using FluentAssertions;

namespace Http2Features.Testing.Tests.Hpack;

/// <summary>
/// Property-based: the decoder of the testing package decodes whatever its encoder produced, over a sequence of
/// blocks sharing one dynamic table, for random header lists, random table sizes (also changed between blocks),
/// Huffman on and off, and every literal form.
/// </summary>
public class HpackRoundTripPropertyTests
{
    // Names: static-table names (indexed name references) and random lowercase tokens.
    private static readonly string[] KnownNames = [":path", ":authority", "accept", "cookie", "content-type", "user-agent", "cache-control", "link"];

    private static readonly Gen<string> NameGen = Gen.OneOf(
        Gen.Int[0, KnownNames.Length - 1].Select(i => KnownNames[i]),
        Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_"].Array[1, 24].Select(c => new string(c)));

    // Values: any Latin-1 octet (the encoder's string form), empty included; also exact repeats of a few values so
    // indexed fields and dynamic table hits happen.
    private static readonly Gen<string> ValueGen = Gen.OneOf(
        Gen.Char[(char)0, (char)255].Array[0, 80].Select(c => new string(c)),
        Gen.Int[0, 3].Select(i => new[] { "", "gzip, deflate", "/index.html", "text/html; charset=utf-8" }[i]));

    private static readonly Gen<(string Name, string Value, HpackIndexing Indexing)> FieldGen =
        Gen.Select(NameGen, ValueGen, Gen.Int[0, 2].Select(i => (HpackIndexing)i));

    // A block: fields, and optionally a new table size first (0 evicts everything).
    private static readonly Gen<((string Name, string Value, HpackIndexing Indexing)[] Fields, int? NewSize)> BlockGen =
        Gen.Select(FieldGen.Array[0, 20], Gen.Int[0, 5000].Nullable(0.2));

    [Fact]
    public void Decoder_round_trips_the_encoder_over_random_blocks_table_sizes_and_Huffman()
    {
        Gen.Select(BlockGen.Array[1, 12], Gen.Int[0, 5000], Gen.Bool, Gen.Bool).Sample(
            (blocks, initialSize, huffman, dynamicTable) =>
            {
                // The decoder allows up to 5000 (our SETTINGS_HEADER_TABLE_SIZE); the encoder starts at any size below.
                var decoder = new HpackDecoder(5000);
                var encoder = new HpackEncoder(5000) { UseHuffman = huffman, UseDynamicTable = dynamicTable };
                encoder.SetMaxDynamicTableSize(initialSize);

                foreach (var (fields, newSize) in blocks)
                {
                    if (newSize is int size)
                    {
                        encoder.SetMaxDynamicTableSize(size);
                    }

                    var output = new List<byte>();
                    encoder.BeginBlock(output);
                    foreach (var (name, value, indexing) in fields)
                    {
                        encoder.EncodeField(output, name, value, indexing);
                    }

                    var decoded = decoder.Decode(output.ToArray());

                    decoded.Should().Equal(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
                    decoder.DynamicTable.Should().Equal(encoder.DynamicTable, "both sides hold the same dynamic table");
                    decoder.DynamicTableMaxSize.Should().Be(encoder.DynamicTableMaxSize);
                }
            },
            iter: 1500,
            threads: 1);
    }
}
