using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// The JSON Canonicalization Scheme (RFC 8785): no whitespace, object members sorted by the UTF-16
/// code units of their names, strings escaped minimally, and numbers as ECMAScript prints doubles.
/// </summary>
public static class Jcs
{
    private static readonly JsonDocumentOptions ParseOptions = new() { AllowDuplicateProperties = false };

    /// <summary>Canonical JSON text of <paramref name="node"/>; a null node is JSON <c>null</c>.</summary>
    /// <exception cref="ArgumentException">A number is NaN or infinite, or a string holds a lone surrogate.</exception>
    public static string Serialize(JsonNode? node)
    {
        var builder = new StringBuilder();
        JcsWriter.Write(builder, node);
        return builder.ToString();
    }

    /// <summary>Canonical JSON of <paramref name="node"/> as UTF-8, the form RFC 8785 hashes and signs.</summary>
    /// <exception cref="ArgumentException">A number is NaN or infinite, or a string holds a lone surrogate.</exception>
    public static byte[] SerializeToUtf8Bytes(JsonNode? node) => System.Text.Encoding.UTF8.GetBytes(Serialize(node));

    /// <summary>Parses JSON text and returns its canonical form.</summary>
    /// <exception cref="JsonException">The text is not JSON, or has duplicate member names (I-JSON forbids them).</exception>
    /// <exception cref="ArgumentException">The JSON holds a number or string JCS cannot represent.</exception>
    public static string Canonicalize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: ParseOptions);
            ReadAllStrings(node);
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException(ex.Message, ex);
        }

        return Serialize(node);
    }

    /// <summary>Parses UTF-8 JSON and returns its canonical form as UTF-8.</summary>
    /// <exception cref="JsonException">The input is not JSON, or has duplicate member names (I-JSON forbids them).</exception>
    /// <exception cref="ArgumentException">The JSON holds a number or string JCS cannot represent.</exception>
    public static byte[] CanonicalizeUtf8(ReadOnlySpan<byte> utf8Json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8Json, documentOptions: ParseOptions);
            ReadAllStrings(node);
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException(ex.Message, ex);
        }

        return SerializeToUtf8Bytes(node);
    }

    /// <summary>
    /// ECMAScript Number.prototype.toString of <paramref name="value"/> (RFC 8785 §3.2.2.3):
    /// shortest round-trip digits, plain notation for 1e-6 ≤ |x| &lt; 1e21, exponent form otherwise, -0 as "0".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite; JSON has no such numbers.</exception>
    public static string SerializeNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JCS cannot represent NaN or Infinity.");
        }

        return EcmaScriptNumber.Format(value);
    }

    // System.Text.Json reports some bad input (lone surrogate escapes) only when a string is read,
    // as InvalidOperationException; reading them all up front lets callers see a JsonException instead.
    private static void ReadAllStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    ReadAllStrings(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    ReadAllStrings(child);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                _ = value.GetValue<string>();
                break;
        }
    }
}
