using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Tests.Encoding;

public sealed class JcsTests
{
    // RFC 8785 §3.2.2 input; its canonical form is printed in §3.2.3 and as UTF-8 hex in §3.2.4.
    private const string Rfc8785SampleInput = """
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """;

    private const string Rfc8785SampleUtf8Hex = """
        7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
        75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
        5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
        65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
        5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
        30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d
        """;

    /// <summary>RFC 8785 Appendix B, every row: IEEE-754 bits → JSON text ("" = must be rejected).</summary>
    public static TheoryData<string, string> AppendixB => new()
    {
        { "0000000000000000", "0" },
        { "8000000000000000", "0" },
        { "0000000000000001", "5e-324" },
        { "8000000000000001", "-5e-324" },
        { "7fefffffffffffff", "1.7976931348623157e+308" },
        { "ffefffffffffffff", "-1.7976931348623157e+308" },
        { "4340000000000000", "9007199254740992" },
        { "c340000000000000", "-9007199254740992" },
        { "4430000000000000", "295147905179352830000" },
        { "7fffffffffffffff", "" },
        { "7ff0000000000000", "" },
        { "44b52d02c7e14af5", "9.999999999999997e+22" },
        { "44b52d02c7e14af6", "1e+23" },
        { "44b52d02c7e14af7", "1.0000000000000001e+23" },
        { "444b1ae4d6e2ef4e", "999999999999999700000" },
        { "444b1ae4d6e2ef4f", "999999999999999900000" },
        { "444b1ae4d6e2ef50", "1e+21" },
        { "3eb0c6f7a0b5ed8c", "9.999999999999997e-7" },
        { "3eb0c6f7a0b5ed8d", "0.000001" },
        { "41b3de4355555553", "333333333.3333332" },
        { "41b3de4355555554", "333333333.33333325" },
        { "41b3de4355555555", "333333333.3333333" },
        { "41b3de4355555556", "333333333.3333334" },
        { "41b3de4355555557", "333333333.33333343" },
        { "becbf647612f3696", "-0.0000033333333333333333" },
        { "43143ff3c1cb0959", "1424953923781206.2" },
    };

    /// <summary>The cyberphone/json-canonicalization testdata pairs (arrays' output is derived by hand: it has none upstream here).</summary>
    public static TheoryData<string> TestDataFiles => new() { "arrays", "french", "simpleString", "structures", "unicode", "values", "weird" };

    [Theory]
    [MemberData(nameof(AppendixB))]
    public void numbers_serialize_as_rfc8785_appendix_b_lists(string ieeeHex, string expected)
    {
        var value = BitConverter.UInt64BitsToDouble(Convert.ToUInt64(ieeeHex, 16));
        if (expected.Length == 0)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Jcs.SerializeNumber(value));
            Assert.Throws<ArgumentException>(() => Jcs.Serialize(JsonValue.Create(value)));
            return;
        }

        Assert.Equal(expected, Jcs.SerializeNumber(value));
        Assert.Equal(expected, Jcs.Serialize(JsonValue.Create(value)));
    }

    [Fact]
    public void numbers_match_javascript_for_thousands_of_doubles_generated_with_node()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Vectors", "jcs", "es6_numbers.csv"))
            .Where(line => !line.StartsWith('#'))
            .ToArray();
        Assert.True(lines.Length > 3000);
        foreach (var line in lines)
        {
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            var value = BitConverter.UInt64BitsToDouble(Convert.ToUInt64(line[..comma], 16));
            Assert.True(line[(comma + 1)..] == Jcs.SerializeNumber(value), $"bits {line[..comma]}: expected {line[(comma + 1)..]}, got {Jcs.SerializeNumber(value)}");
        }
    }

    [Fact]
    public void negative_infinity_is_rejected_too()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Jcs.SerializeNumber(double.NegativeInfinity));
        Assert.Throws<ArgumentException>(() => Jcs.Serialize(JsonValue.Create(float.NaN)));
    }

    [Fact]
    public void the_rfc8785_sample_canonicalizes_to_the_text_of_section_3_2_3_and_bytes_of_section_3_2_4()
    {
        const string expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        var bytes = Convert.FromHexString(string.Concat(Rfc8785SampleUtf8Hex.Where(c => !char.IsWhiteSpace(c))));

        Assert.Equal(expected, Jcs.Canonicalize(Rfc8785SampleInput));
        Assert.Equal(bytes, Jcs.SerializeToUtf8Bytes(JsonNode.Parse(Rfc8785SampleInput)));
        Assert.Equal(bytes, Jcs.CanonicalizeUtf8(System.Text.Encoding.UTF8.GetBytes(Rfc8785SampleInput)));
    }

    [Fact]
    public void properties_sort_by_utf16_code_units_as_in_the_rfc8785_section_3_2_3_example()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;
        const string expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
            + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
            + "\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}";

        Assert.Equal(expected, Jcs.Canonicalize(input));
    }

    [Theory]
    [MemberData(nameof(TestDataFiles))]
    public void cyberphone_test_data_inputs_canonicalize_to_their_expected_outputs(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Vectors", "jcs");
        var input = File.ReadAllBytes(Path.Combine(directory, "input", name + ".json"));
        var expected = File.ReadAllBytes(Path.Combine(directory, "output", name + ".json"));

        Assert.Equal(expected, Jcs.CanonicalizeUtf8(input));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), Jcs.Canonicalize(System.Text.Encoding.UTF8.GetString(input)));
    }

    [Fact]
    public void strings_escape_only_what_rfc8785_requires()
    {
        var all = new StringBuilder();
        for (var c = 0; c < 0x20; c++)
        {
            all.Append((char)c);
        }

        all.Append("\"\\/\u007f\u00e9\u2028\u2029\ufeff\U0001F600<>&'");
        var expected = "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
            + "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
            + "\\\"\\\\/\u007f\u00e9\u2028\u2029\ufeff\U0001F600<>&'\"";

        Assert.Equal(expected, Jcs.Serialize(JsonValue.Create(all.ToString())));
    }

    [Fact]
    public void a_lone_surrogate_is_an_error_whether_in_a_node_or_in_json_text()
    {
        Assert.Throws<ArgumentException>(() => Jcs.Serialize(JsonValue.Create("a\ud800b")));
        Assert.Throws<ArgumentException>(() => Jcs.Serialize(JsonValue.Create("a\udc00")));
        Assert.Throws<ArgumentException>(() => Jcs.Serialize(new JsonObject { ["\ud83d"] = 1 }));
        Assert.ThrowsAny<JsonException>(() => Jcs.Canonicalize("[\"\\ud800\"]"));
        Assert.ThrowsAny<JsonException>(() => Jcs.CanonicalizeUtf8("{\"\\udc00x\":1}"u8));
    }

    [Fact]
    public void numbers_of_any_backing_type_become_doubles_like_javascript()
    {
        var node = new JsonArray(
            JsonValue.Create(9007199254740993L),
            JsonValue.Create(ulong.MaxValue),
            JsonValue.Create(0.1m),
            JsonValue.Create(100m),
            JsonValue.Create(-0.0),
            JsonValue.Create(1e21),
            JsonValue.Create(123456789),
            JsonValue.Create((short)-5));

        Assert.Equal("[9007199254740992,18446744073709552000,0.1,100,0,1e+21,123456789,-5]", Jcs.Serialize(node));
        Assert.Equal("[9007199254740992]", Jcs.Canonicalize("[9007199254740993]"));
        Assert.Equal("[10,1,1e-7]", Jcs.Canonicalize("[1.0e1, 10e-1, 0.0000001]"));
        Assert.Throws<ArgumentException>(() => Jcs.Canonicalize("[1e400]"));
    }

    [Fact]
    public void null_true_false_and_nested_empty_containers_serialize_compactly()
    {
        Assert.Equal("null", Jcs.Serialize(null));
        Assert.Equal("null", Jcs.Canonicalize(" null "));
        Assert.Equal("[true,false,null,{},[],{\"a\":[{}]}]", Jcs.Canonicalize("[ true , false , null , { } , [ ] , { \"a\" : [ { } ] } ]"));
    }

    [Fact]
    public void json_values_wrapping_elements_objects_and_strings_are_canonicalized_by_content()
    {
        using var document = JsonDocument.Parse("{\"b\": 1, \"a\": [\"x\", 2.50]}");
        var node = new JsonObject
        {
            ["element"] = JsonObject.Create(document.RootElement),
            ["number"] = JsonValue.Create(document.RootElement.GetProperty("a")[1]),
            ["guid"] = JsonValue.Create(Guid.Empty),
            ["poco"] = JsonValue.Create(new Dictionary<string, int> { ["z"] = 1, ["y"] = 2 }),
        };

        Assert.Equal(
            "{\"element\":{\"a\":[\"x\",2.5],\"b\":1},\"guid\":\"00000000-0000-0000-0000-000000000000\",\"number\":2.5,\"poco\":{\"y\":2,\"z\":1}}",
            Jcs.Serialize(node));
    }

    [Fact]
    public void duplicate_member_names_and_malformed_json_are_rejected()
    {
        Assert.ThrowsAny<JsonException>(() => Jcs.Canonicalize("{\"a\":1,\"a\":2}"));
        Assert.ThrowsAny<JsonException>(() => Jcs.CanonicalizeUtf8("{\"a\":1,\"a\":2}"u8));
        Assert.ThrowsAny<JsonException>(() => Jcs.Canonicalize("[1,]"));
        Assert.ThrowsAny<JsonException>(() => Jcs.CanonicalizeUtf8("[1] [2]"u8));
    }
}
