using System.Buffers;
using System.Numerics;
using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Tests.Encoding;

public sealed class CborEncodingTests
{
    [Fact]
    public void map_keys_are_ordered_as_in_the_rfc8949_section_4_2_1_example()
    {
        // Inserted shuffled; §4.2.1 lists the sorted order as 10, 100, -1, "z", "aa", [100], [-1], false.
        var map = new CborMap
        {
            { false, 7 },
            { "aa", 4 },
            { new CborArray(-1), 6 },
            { 100, 1 },
            { "z", 3 },
            { -1, 2 },
            { new CborArray(100), 5 },
            { 10, 0 },
        };

        Assert.Equal("a8" + "0a00" + "186401" + "2002" + "617a03" + "62616104" + "81186405" + "812006" + "f407", Hex(map));
    }

    [Fact]
    public void equal_maps_built_in_different_orders_encode_to_the_same_bytes()
    {
        var first = new CborMap { { "name", "x" }, { "size", 42L }, { "hash", new byte[] { 1, 2 } } };
        var second = new CborMap { { "hash", new byte[] { 1, 2 } }, { "size", 42 }, { "name", "x" } };

        Assert.True(first.Equals(second));
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(Cbor.Encode(first), Cbor.Encode(second));
    }

    [Fact]
    public void adding_a_duplicate_map_key_throws_argument_exception()
    {
        var map = new CborMap { { "a", 1 } };
        Assert.Throws<ArgumentException>(() => map.Add("a", 2));
        Assert.Throws<ArgumentException>(() => new CborMap { { 1, 1 }, { new CborInteger(1UL), 2 } });
    }

    [Theory]
    [InlineData(0.0, "f90000")]
    [InlineData(-0.0, "f98000")]
    [InlineData(1.0, "f93c00")]
    [InlineData(0.5, "f93800")]
    [InlineData(-2.5, "f9c100")]
    [InlineData(65504.0, "f97bff")]
    [InlineData(65505.0, "fa477fe100")]
    [InlineData(100000.0, "fa47c35000")]
    [InlineData(5.960464477539063e-8, "f90001")]
    [InlineData(2.9802322387695312e-8, "fa33000000")]
    [InlineData(1.401298464324817e-45, "fa00000001")]
    [InlineData(3.4028234663852886e+38, "fa7f7fffff")]
    [InlineData(0.10000000149011612, "fa3dcccccd")]
    [InlineData(0.1, "fb3fb999999999999a")]
    [InlineData(1.1, "fb3ff199999999999a")]
    [InlineData(double.MaxValue, "fb7fefffffffffffff")]
    [InlineData(double.Epsilon, "fb0000000000000001")]
    [InlineData(double.PositiveInfinity, "f97c00")]
    [InlineData(double.NegativeInfinity, "f9fc00")]
    [InlineData(double.NaN, "f97e00")]
    public void floats_take_the_shortest_width_that_holds_them_exactly(double value, string hex)
    {
        Assert.Equal(hex, Hex(value));
    }

    [Fact]
    public void every_nan_payload_encodes_as_the_one_quiet_half_nan()
    {
        Assert.Equal("f97e00", Hex(BitConverter.UInt64BitsToDouble(0x7ff0000000000001)));
        Assert.Equal("f97e00", Hex(BitConverter.UInt64BitsToDouble(0xfff8000000000000)));
        Assert.Equal(new CborFloat(double.NaN), Cbor.Decode(Convert.FromHexString("fa7fc00001")));
    }

    [Theory]
    [InlineData("0", "00")]
    [InlineData("23", "17")]
    [InlineData("24", "1818")]
    [InlineData("255", "18ff")]
    [InlineData("256", "190100")]
    [InlineData("65535", "19ffff")]
    [InlineData("65536", "1a00010000")]
    [InlineData("4294967295", "1affffffff")]
    [InlineData("4294967296", "1b0000000100000000")]
    [InlineData("9223372036854775807", "1b7fffffffffffffff")]
    [InlineData("18446744073709551615", "1bffffffffffffffff")]
    [InlineData("18446744073709551616", "c249010000000000000000")]
    [InlineData("4722366482869645213696", "c24a01000000000000000000")]
    [InlineData("-1", "20")]
    [InlineData("-24", "37")]
    [InlineData("-25", "3818")]
    [InlineData("-256", "38ff")]
    [InlineData("-257", "390100")]
    [InlineData("-9223372036854775808", "3b7fffffffffffffff")]
    [InlineData("-18446744073709551616", "3bffffffffffffffff")]
    [InlineData("-18446744073709551617", "c349010000000000000000")]
    public void integers_use_the_shortest_argument_and_bignums_only_beyond_64_bits(string value, string hex)
    {
        var integer = new CborInteger(BigInteger.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(hex, Hex(integer));
        Assert.Equal(integer, Cbor.Decode(Convert.FromHexString(hex), CborDecodeOptions.Canonical));
    }

    [Fact]
    public void implicit_conversions_build_the_expected_kinds()
    {
        Assert.Equal(new CborInteger(5), (CborValue)5);
        Assert.Equal(new CborInteger(5), (CborValue)5L);
        Assert.Equal(new CborInteger(5), (CborValue)5UL);
        Assert.Equal(new CborTextString("x"), (CborValue)"x");
        Assert.Equal(CborBoolean.False, (CborValue)false);
        Assert.Equal(new CborFloat(2.5), (CborValue)2.5);
        Assert.Equal(new CborByteString([9]), (CborValue)new byte[] { 9 });
    }

    [Fact]
    public void value_equality_distinguishes_kinds_and_signed_zeros_but_not_nans()
    {
        Assert.NotEqual<CborValue>(new CborInteger(1), new CborFloat(1.0));
        Assert.NotEqual<CborValue>(new CborFloat(0.0), new CborFloat(-0.0));
        Assert.Equal<CborValue>(new CborFloat(double.NaN), new CborFloat(-double.NaN));
        Assert.NotEqual<CborValue>(new CborTextString("1"), new CborByteString("1"u8));
        Assert.Equal<CborValue>(new CborTag(1, 2), new CborTag(1, 2));
        Assert.NotEqual<CborValue>(new CborTag(1, 2), new CborTag(2, 2));
        Assert.True(new CborArray(1, "a").Equals(new CborArray(1, "a")));
        Assert.False(new CborArray(1, "a").Equals(new CborArray("a", 1)));
    }

    [Fact]
    public void byte_strings_copy_their_input_so_later_changes_do_not_leak_in()
    {
        var bytes = new byte[] { 1, 2, 3 };
        var value = new CborByteString(bytes);
        bytes[0] = 9;
        Assert.Equal(new byte[] { 1, 2, 3 }, value.ToArray());
    }

    [Fact]
    public void map_accessors_return_typed_values_and_report_missing_or_mistyped_keys()
    {
        var map = new CborMap { { "t", "text" }, { "i", -7 }, { "b", new byte[] { 1 } }, { "f", true }, { "m", new CborMap() }, { "a", new CborArray() } };

        Assert.Equal("text", map.GetText("t"));
        Assert.Equal(-7, map.GetInt64("i"));
        Assert.Equal(new byte[] { 1 }, map.GetBytes("b"));
        Assert.True(map.GetBoolean("f"));
        Assert.Empty(map.GetMap("m"));
        Assert.Empty(map.GetArray("a"));
        Assert.True(map.TryGet("i", out var found));
        Assert.Equal(new CborInteger(-7), found);
        Assert.False(map.TryGet("missing", out _));
        Assert.Throws<KeyNotFoundException>(() => map.GetText("missing"));
        Assert.Throws<InvalidCastException>(() => map.GetText("i"));
        Assert.Equal(["t", "i", "b", "f", "m", "a"], map.Keys.Select(k => ((CborTextString)k).Value));
    }

    [Fact]
    public void a_nested_value_round_trips_through_the_canonical_decoder()
    {
        var value = new CborMap
        {
            { "ints", new CborArray(0, -1, long.MaxValue, long.MinValue, ulong.MaxValue, BigInteger.Pow(10, 30), -BigInteger.Pow(10, 30)) },
            { "floats", new CborArray(1.5, 0.1, -0.0, double.PositiveInfinity, 1e-300) },
            { "text", "h\u00e9llo \U0001f600" },
            { "bytes", new byte[] { 0, 255 } },
            { "tagged", new CborTag(32, "http://example.com") },
            { "simple", new CborArray(CborNull.Instance, CborUndefined.Instance, true, false, new CborSimpleValue(0), new CborSimpleValue(200)) },
            { 7, new CborMap { { new CborArray(1, 2), "array key" }, { new byte[] { 3 }, "byte key" } } },
        };

        var bytes = Cbor.Encode(value);
        var decoded = Cbor.Decode(bytes, CborDecodeOptions.Canonical);

        Assert.Equal(value, decoded);
        Assert.Equal(bytes, Cbor.Encode(decoded));
    }

    [Fact]
    public void encoding_into_a_buffer_writer_matches_the_array_form()
    {
        var value = new CborArray("a", new CborMap { { "b", 1 } });
        var writer = new ArrayBufferWriter<byte>();
        writer.Write(new byte[] { 0xaa });
        Cbor.Encode(value, writer);
        Assert.Equal([0xaa, .. Cbor.Encode(value)], writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void a_text_string_with_a_lone_surrogate_cannot_be_encoded()
    {
        Assert.Throws<ArgumentException>(() => Cbor.Encode("bad \ud800 text"));
    }

    [Fact]
    public void simple_values_with_their_own_types_or_reserved_numbers_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CborSimpleValue(20));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CborSimpleValue(24));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CborSimpleValue(31));
    }

    [Fact]
    public void diagnostic_notation_escapes_text_and_shows_nesting()
    {
        var value = new CborArray(new CborMap { { "q\"\\\n", new CborTag(1, -1.5) } }, new byte[] { 0xab }, 1e21, 123.0);
        Assert.Equal("[{\"q\\\"\\\\\\u000a\": 1(-1.5)}, h'ab', 1.0e+21, 123.0]", CborDiagnostic.ToDiagnostic(value));
        Assert.Equal("[1, \"a\"]", new CborArray(1, "a").ToString());
    }

    [Fact]
    public void deeply_nested_values_encode_and_decode_within_the_default_depth_limit()
    {
        CborValue value = 0;
        for (var i = 0; i < 256; i++)
        {
            value = i % 2 == 0 ? new CborArray(value) : new CborMap { { "k", value } };
        }

        var bytes = Cbor.Encode(value);
        Assert.Equal(value, Cbor.Decode(bytes, CborDecodeOptions.Canonical));
    }

    private static string Hex(CborValue value) => Convert.ToHexStringLower(Cbor.Encode(value));
}
