using System.Text.Json.Nodes;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// Maps the CBOR subset this store writes (maps with text keys, arrays, text, integers, booleans,
/// null) to JSON, so one document can be served as canonical CBOR or as JCS.
/// </summary>
public static class CborJson
{
    public static JsonNode? ToJson(CborValue value) => value switch
    {
        CborNull => null,
        CborTextString text => JsonValue.Create(text.Value),
        CborInteger integer => JsonValue.Create((long)integer.Value),
        CborBoolean boolean => JsonValue.Create(boolean.Value),
        CborFloat number => JsonValue.Create(number.Value),
        CborByteString bytes => JsonValue.Create(Convert.ToBase64String(bytes.ToArray())),
        CborArray array => new JsonArray(array.Select(ToJson).ToArray()),
        CborMap map => ToObject(map),
        _ => throw new ArgumentException($"CBOR item {value.GetType().Name} has no JSON form here", nameof(value)),
    };

    private static JsonObject ToObject(CborMap map)
    {
        var result = new JsonObject();
        foreach (var (key, item) in map)
        {
            var name = key is CborTextString text ? text.Value : throw new ArgumentException("only text map keys have a JSON form", nameof(map));
            result[name] = ToJson(item);
        }

        return result;
    }
}
