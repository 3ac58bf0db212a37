using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Tests.Encoding;

public sealed class CborDecodingTests
{
    [Theory]
    [InlineData("1800", "argument 0 in one byte")]
    [InlineData("1817", "argument 23 in one byte")]
    [InlineData("1900ff", "argument 255 in two bytes")]
    [InlineData("1a0000ffff", "argument 65535 in four bytes")]
    [InlineData("1b00000000ffffffff", "argument 2^32-1 in eight bytes")]
    [InlineData("3800", "negative argument in one byte")]
    [InlineData("5800", "byte string length in one byte")]
    [InlineData("780161", "text string length in one byte")]
    [InlineData("980100", "array length in one byte")]
    [InlineData("b8010000", "map length in one byte")]
    [InlineData("d80000", "tag number in one byte")]
    [InlineData("5fff", "indefinite byte string")]
    [InlineData("7fff", "indefinite text string")]
    [InlineData("9fff", "indefinite array")]
    [InlineData("bfff", "indefinite map")]
    [InlineData("a2616201616102", "keys b, a out of order")]
    [InlineData("a2200a0a00", "key -1 before key 10")]
    [InlineData("a2626161006162", "longer key before shorter (aa before b)")]
    [InlineData("fa3f800000", "1.0 as single")]
    [InlineData("fb3ff8000000000000", "1.5 as double")]
    [InlineData("fb0000000000000000", "0.0 as double")]
    [InlineData("fa47c35000fb", "trailing byte after single")]
    [InlineData("f97e01", "NaN with payload")]
    [InlineData("f9fe00", "negative NaN")]
    [InlineData("fb7ff8000000000000", "NaN as double")]
    [InlineData("c24101", "bignum that fits in 64 bits")]
    [InlineData("c240", "empty bignum")]
    [InlineData("c34100", "negative bignum that fits in 64 bits")]
    [InlineData("c249000100000000000000", "bignum with a leading zero byte")]
    [InlineData("0000", "trailing bytes")]
    public void the_canonical_decoder_rejects_non_deterministic_input(string hex, string why)
    {
        var ex = Assert.Throws<CborFormatException>(() => Cbor.Decode(Convert.FromHexString(hex), CborDecodeOptions.Canonical));
        Assert.True(ex.Offset >= 0, why);
    }

    [Theory]
    [InlineData("1800", "0")]
    [InlineData("1b00000000ffffffff", "4294967295")]
    [InlineData("a2616201616102", "{\"b\": 1, \"a\": 2}")]
    [InlineData("fa3f800000", "1.0")]
    [InlineData("c24101", "1")]
    [InlineData("c34100", "-1")]
    [InlineData("7f62c3a46162ff", "\"\u00e4b\"")]
    public void the_default_decoder_accepts_well_formed_but_non_deterministic_input(string hex, string diagnostic)
    {
        Assert.Equal(diagnostic, CborDiagnostic.ToDiagnostic(Cbor.Decode(Convert.FromHexString(hex))));
    }

    [Theory]
    [InlineData("", 0, "empty input")]
    [InlineData("18", 1, "missing argument byte")]
    [InlineData("1c", 0, "reserved additional information 28")]
    [InlineData("ff", 0, "break outside indefinite item")]
    [InlineData("f818", 0, "two-byte simple value below 32")]
    [InlineData("1f", 0, "indefinite unsigned integer")]
    [InlineData("df00", 0, "indefinite tag")]
    [InlineData("5f00ff", 1, "integer chunk in indefinite byte string")]
    [InlineData("7f4161ff", 1, "byte chunk in indefinite text string")]
    [InlineData("5f5f4100ffff", 1, "nested indefinite chunk")]
    [InlineData("62c3", 0, "text shorter than its length")]
    [InlineData("62c328", 0, "invalid UTF-8")]
    [InlineData("7f61c361a4ff", 1, "code point split across chunks")]
    [InlineData("a1", 0, "map missing its entry")]
    [InlineData("a1010203", 3, "trailing byte after map")]
    [InlineData("9f01", 2, "indefinite array without break")]
    [InlineData("bf00ff", 2, "break between key and value")]
    [InlineData("9bffffffffffffffff", 0, "array count larger than the input")]
    [InlineData("5bffffffffffffffff", 0, "byte string length larger than the input")]
    [InlineData("c2", 1, "tag without content")]
    [InlineData("a2010201 03", 3, "duplicate map key")]
    [InlineData("830101 1c", 3, "reserved additional information inside an array")]
    public void malformed_input_throws_cbor_format_exception_with_the_offset(string hex, int offset, string why)
    {
        var data = Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));
        var ex = Assert.Throws<CborFormatException>(() => Cbor.Decode(data));
        Assert.True(offset == ex.Offset, $"{why}: expected offset {offset}, got {ex.Offset} ({ex.Message})");
        Assert.Contains($"offset {offset}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c001", "0(1)")]
    [InlineData("c16161", "1(\"a\")")]
    [InlineData("c201", "2(1)")]
    [InlineData("c36161", "3(\"a\")")]
    [InlineData("d82001", "32(1)")]
    [InlineData("d9d9f7f6", "55799(null)")]
    public void tags_over_content_their_definition_does_not_expect_are_kept_as_tags_and_written_back_unchanged(string hex, string diagnostic)
    {
        var value = Cbor.Decode(Convert.FromHexString(hex), CborDecodeOptions.Canonical);
        Assert.Equal(diagnostic, CborDiagnostic.ToDiagnostic(value));
        Assert.Equal(hex, Convert.ToHexStringLower(Cbor.Encode(value)));
    }

    [Fact]
    public void nesting_beyond_the_depth_limit_is_rejected_instead_of_overflowing_the_stack()
    {
        var deep = Enumerable.Repeat((byte)0x81, 10_000).Append((byte)0x00).ToArray();
        Assert.Throws<CborFormatException>(() => Cbor.Decode(deep));

        var allowed = Enumerable.Repeat((byte)0x81, 100).Append((byte)0x00).ToArray();
        Assert.IsType<CborArray>(Cbor.Decode(allowed, new CborDecodeOptions { MaxDepth = 100 }));
        Assert.Throws<CborFormatException>(() => Cbor.Decode(allowed, new CborDecodeOptions { MaxDepth = 99 }));
    }

    [Fact]
    public void decode_first_reads_one_item_of_a_sequence_and_reports_its_length()
    {
        var data = Convert.FromHexString("8201026161");
        var first = Cbor.DecodeFirst(data, out var consumed, CborDecodeOptions.Canonical);
        Assert.Equal(new CborArray(1, 2), first);
        Assert.Equal(3, consumed);
        Assert.Equal(new CborTextString("a"), Cbor.Decode(data.AsSpan(consumed)));
    }

    [Fact]
    public void random_values_survive_encode_then_canonical_decode()
    {
        var random = new Random(8949);
        for (var i = 0; i < 500; i++)
        {
            var value = RandomValue(random, 3);
            var bytes = Cbor.Encode(value);
            var decoded = Cbor.Decode(bytes, CborDecodeOptions.Canonical);
            Assert.Equal(value, decoded);
            Assert.Equal(bytes, Cbor.Encode(decoded));
        }
    }

    [Fact]
    public void damaged_encodings_either_decode_or_throw_cbor_format_exception_and_nothing_else()
    {
        var random = new Random(7049);
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = Cbor.Encode(RandomValue(random, 3));
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var cut = bytes.AsSpan(0, random.Next(bytes.Length + 1)).ToArray();
            foreach (var input in new[] { bytes, cut })
            {
                foreach (var options in new[] { CborDecodeOptions.Default, CborDecodeOptions.Canonical })
                {
                    try
                    {
                        _ = Cbor.Decode(input, options);
                    }
                    catch (CborFormatException ex)
                    {
                        Assert.InRange(ex.Offset, 0, input.Length);
                    }
                }
            }
        }
    }

    private static CborValue RandomValue(Random random, int depth)
    {
        var kind = random.Next(depth > 0 ? 9 : 6);
        switch (kind)
        {
            case 0:
                return random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64);
            case 1:
                return BitConverter.Int64BitsToDouble(random.NextInt64()) is var d && double.IsNaN(d) ? 0.25 : d;
            case 2:
                return (double)(float)random.NextDouble();
            case 3:
                return new string((char)random.Next('a', 'z' + 1), random.Next(30));
            case 4:
                var bytes = new byte[random.Next(40)];
                random.NextBytes(bytes);
                return bytes;
            case 5:
                return random.Next(3) switch { 0 => CborNull.Instance, 1 => true, _ => new CborSimpleValue((byte)random.Next(32, 256)) };
            case 6:
                return new CborArray(Enumerable.Range(0, random.Next(5)).Select(_ => RandomValue(random, depth - 1)));
            case 7:
                return new CborTag((ulong)random.Next(5, 100_000), RandomValue(random, depth - 1));
            default:
                var map = new CborMap();
                for (var i = random.Next(6); i > 0; i--)
                {
                    var key = RandomValue(random, depth - 1);
                    if (!map.ContainsKey(key))
                    {
                        map.Add(key, RandomValue(random, depth - 1));
                    }
                }

                return map;
        }
    }
}
