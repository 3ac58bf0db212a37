using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Tests.Encoding;

/// <summary>
/// Every example of RFC 8949 Appendix A (taken from the cbor/test-vectors appendix_a.json, minus
/// simple(24) = f818, which RFC 8949 dropped as not well-formed; it is a must-reject case elsewhere).
/// Columns: the RFC's hex, the diagnostic notation of the decoded value, and — only where the RFC's
/// hex is not the deterministic encoding — the deterministic hex the encoder must produce instead.
/// For indefinite-length examples the diagnostic is of the definite value the model holds.
/// </summary>
public sealed class CborAppendixATests
{
    public static TheoryData<string, string, string?> Examples => new()
    {
        { "00", "0", null },
        { "01", "1", null },
        { "0a", "10", null },
        { "17", "23", null },
        { "1818", "24", null },
        { "1819", "25", null },
        { "1864", "100", null },
        { "1903e8", "1000", null },
        { "1a000f4240", "1000000", null },
        { "1b000000e8d4a51000", "1000000000000", null },
        { "1bffffffffffffffff", "18446744073709551615", null },
        { "c249010000000000000000", "18446744073709551616", null },
        { "3bffffffffffffffff", "-18446744073709551616", null },
        { "c349010000000000000000", "-18446744073709551617", null },
        { "20", "-1", null },
        { "29", "-10", null },
        { "3863", "-100", null },
        { "3903e7", "-1000", null },
        { "f90000", "0.0", null },
        { "f98000", "-0.0", null },
        { "f93c00", "1.0", null },
        { "fb3ff199999999999a", "1.1", null },
        { "f93e00", "1.5", null },
        { "f97bff", "65504.0", null },
        { "fa47c35000", "100000.0", null },
        { "fa7f7fffff", "3.4028234663852886e+38", null },
        { "fb7e37e43c8800759c", "1.0e+300", null },
        { "f90001", "5.960464477539063e-8", null },
        { "f90400", "0.00006103515625", null },
        { "f9c400", "-4.0", null },
        { "fbc010666666666666", "-4.1", null },
        { "f97c00", "Infinity", null },
        { "f97e00", "NaN", null },
        { "f9fc00", "-Infinity", null },
        { "fa7f800000", "Infinity", "f97c00" },
        { "fa7fc00000", "NaN", "f97e00" },
        { "faff800000", "-Infinity", "f9fc00" },
        { "fb7ff0000000000000", "Infinity", "f97c00" },
        { "fb7ff8000000000000", "NaN", "f97e00" },
        { "fbfff0000000000000", "-Infinity", "f9fc00" },
        { "f4", "false", null },
        { "f5", "true", null },
        { "f6", "null", null },
        { "f7", "undefined", null },
        { "f0", "simple(16)", null },
        { "f8ff", "simple(255)", null },
        { "c074323031332d30332d32315432303a30343a30305a", "0(\"2013-03-21T20:04:00Z\")", null },
        { "c11a514b67b0", "1(1363896240)", null },
        { "c1fb41d452d9ec200000", "1(1363896240.5)", null },
        { "d74401020304", "23(h'01020304')", null },
        { "d818456449455446", "24(h'6449455446')", null },
        { "d82076687474703a2f2f7777772e6578616d706c652e636f6d", "32(\"http://www.example.com\")", null },
        { "40", "h''", null },
        { "4401020304", "h'01020304'", null },
        { "60", "\"\"", null },
        { "6161", "\"a\"", null },
        { "6449455446", "\"IETF\"", null },
        { "62225c", "\"\\\"\\\\\"", null },
        { "62c3bc", "\"\u00fc\"", null },
        { "63e6b0b4", "\"\u6c34\"", null },
        { "64f0908591", "\"\U00010151\"", null },
        { "80", "[]", null },
        { "83010203", "[1, 2, 3]", null },
        { "8301820203820405", "[1, [2, 3], [4, 5]]", null },
        { "98190102030405060708090a0b0c0d0e0f101112131415161718181819", OneToTwentyFive, null },
        { "a0", "{}", null },
        { "a201020304", "{1: 2, 3: 4}", null },
        { "a26161016162820203", "{\"a\": 1, \"b\": [2, 3]}", null },
        { "826161a161626163", "[\"a\", {\"b\": \"c\"}]", null },
        { "a56161614161626142616361436164614461656145", "{\"a\": \"A\", \"b\": \"B\", \"c\": \"C\", \"d\": \"D\", \"e\": \"E\"}", null },
        { "5f42010243030405ff", "h'0102030405'", "450102030405" }, // RFC: (_ h'0102', h'030405')
        { "7f657374726561646d696e67ff", "\"streaming\"", "6973747265616d696e67" }, // (_ "strea", "ming")
        { "9fff", "[]", "80" }, // [_ ]
        { "9f018202039f0405ffff", "[1, [2, 3], [4, 5]]", "8301820203820405" }, // [_ 1, [2, 3], [_ 4, 5]]
        { "9f01820203820405ff", "[1, [2, 3], [4, 5]]", "8301820203820405" }, // [_ 1, [2, 3], [4, 5]]
        { "83018202039f0405ff", "[1, [2, 3], [4, 5]]", "8301820203820405" }, // [1, [2, 3], [_ 4, 5]]
        { "83019f0203ff820405", "[1, [2, 3], [4, 5]]", "8301820203820405" }, // [1, [_ 2, 3], [4, 5]]
        { "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", OneToTwentyFive, "98190102030405060708090a0b0c0d0e0f101112131415161718181819" },
        { "bf61610161629f0203ffff", "{\"a\": 1, \"b\": [2, 3]}", "a26161016162820203" }, // {_ "a": 1, "b": [_ 2, 3]}
        { "826161bf61626163ff", "[\"a\", {\"b\": \"c\"}]", "826161a161626163" }, // ["a", {_ "b": "c"}]
        { "bf6346756ef563416d7421ff", "{\"Fun\": true, \"Amt\": -2}", "a263416d74216346756ef5" }, // {_ "Fun": true, "Amt": -2}
    };

    private static string OneToTwentyFive => "[" + string.Join(", ", Enumerable.Range(1, 25)) + "]";

    [Fact]
    public void the_table_holds_all_81_examples_of_rfc8949_appendix_a()
    {
        Assert.Equal(81, Examples.Count);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void decoding_an_appendix_a_example_yields_the_value_the_rfc_lists(string hex, string diagnostic, string? deterministicHex)
    {
        _ = deterministicHex;
        var value = Cbor.Decode(Convert.FromHexString(hex));
        Assert.Equal(diagnostic, CborDiagnostic.ToDiagnostic(value));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void encoding_a_decoded_appendix_a_example_yields_its_deterministic_form(string hex, string diagnostic, string? deterministicHex)
    {
        _ = diagnostic;
        var value = Cbor.Decode(Convert.FromHexString(hex));
        Assert.Equal(deterministicHex ?? hex, Convert.ToHexStringLower(Cbor.Encode(value)));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void the_canonical_decoder_accepts_exactly_the_deterministic_examples(string hex, string diagnostic, string? deterministicHex)
    {
        if (deterministicHex is null)
        {
            var value = Cbor.Decode(Convert.FromHexString(hex), CborDecodeOptions.Canonical);
            Assert.Equal(diagnostic, CborDiagnostic.ToDiagnostic(value));
            return;
        }

        Assert.Throws<CborFormatException>(() => Cbor.Decode(Convert.FromHexString(hex), CborDecodeOptions.Canonical));
        var canonical = Cbor.Decode(Convert.FromHexString(deterministicHex), CborDecodeOptions.Canonical);
        Assert.Equal(Cbor.Decode(Convert.FromHexString(hex)), canonical);
    }

    [Fact]
    public void values_built_in_code_encode_to_the_appendix_a_bytes()
    {
        var map = new CborMap { { "a", 1 }, { "b", new CborArray(2, 3) } };
        Assert.Equal("a26161016162820203", Hex(map));
        Assert.Equal("826161a161626163", Hex(new CborArray("a", new CborMap { { "b", "c" } })));
        Assert.Equal("c249010000000000000000", Hex(new CborInteger(System.Numerics.BigInteger.Pow(2, 64))));
        Assert.Equal("3bffffffffffffffff", Hex(new CborInteger(-System.Numerics.BigInteger.Pow(2, 64))));
        Assert.Equal("1bffffffffffffffff", Hex(ulong.MaxValue));
        Assert.Equal("c074323031332d30332d32315432303a30343a30305a", Hex(new CborTag(0, "2013-03-21T20:04:00Z")));
        Assert.Equal("c1fb41d452d9ec200000", Hex(new CborTag(1, 1363896240.5)));
        Assert.Equal("4401020304", Hex(new byte[] { 1, 2, 3, 4 }));
        Assert.Equal("f8ff", Hex(new CborSimpleValue(255)));
        Assert.Equal("f0", Hex(new CborSimpleValue(16)));
        Assert.Equal("f7", Hex(CborUndefined.Instance));
        Assert.Equal("f6", Hex(CborNull.Instance));
        Assert.Equal("f5", Hex(true));
        Assert.Equal("fbc010666666666666", Hex(-4.1));
        Assert.Equal("3903e7", Hex(-1000));
    }

    [Fact]
    public void simple_value_24_from_rfc7049_appendix_a_is_rejected_as_not_well_formed()
    {
        var ex = Assert.Throws<CborFormatException>(() => Cbor.Decode(Convert.FromHexString("f818")));
        Assert.Equal(0, ex.Offset);
    }

    private static string Hex(CborValue value) => Convert.ToHexStringLower(Cbor.Encode(value));
}
