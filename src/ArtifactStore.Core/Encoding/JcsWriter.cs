using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ArtifactStore.Core.Encoding;

/// <summary>Writes a <see cref="JsonNode"/> tree in RFC 8785 canonical form.</summary>
internal static class JcsWriter
{
    public static void Write(StringBuilder builder, JsonNode? node)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj:
                WriteObject(builder, obj);
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    builder.Append(i == 0 ? string.Empty : ",");
                    Write(builder, array[i]);
                }

                builder.Append(']');
                break;
            case JsonValue value:
                WriteValue(builder, value);
                break;
        }
    }

    private static void WriteObject(StringBuilder builder, JsonObject obj)
    {
        var members = obj.ToArray();

        // Ordinal string comparison is exactly RFC 8785 §3.2.3's order of UTF-16 code units.
        Array.Sort(members, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        builder.Append('{');
        for (var i = 0; i < members.Length; i++)
        {
            builder.Append(i == 0 ? string.Empty : ",");
            WriteString(builder, members[i].Key);
            builder.Append(':');
            Write(builder, members[i].Value);
        }

        builder.Append('}');
    }

    private static void WriteValue(StringBuilder builder, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(builder, value.TryGetValue<string>(out var text) ? text : ReadBackString(value));
                break;
            case JsonValueKind.Number:
                builder.Append(Jcs.SerializeNumber(ToDouble(value)));
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            case JsonValueKind.Null:
                builder.Append("null");
                break;
            default:
                // A JsonValue wrapping an object or array (e.g. from a JsonElement): canonicalize its content.
                Write(builder, JsonNode.Parse(value.ToJsonString()));
                break;
        }
    }

    /// <summary>
    /// Every JSON number becomes an IEEE double, as RFC 8785 §3.2.2.3 requires. Going through the
    /// number's JSON text rounds correctly for any backing type (long, decimal, JsonElement), so
    /// integers past 2^53 lose precision exactly as they would in JavaScript.
    /// </summary>
    private static double ToDouble(JsonValue value)
    {
        if ((value.TryGetValue<double>(out var d) && !double.IsFinite(d))
            || (value.TryGetValue<float>(out var f) && !float.IsFinite(f)))
        {
            throw new ArgumentException("JCS cannot represent NaN or Infinity.", nameof(value));
        }

        var number = double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(number))
        {
            throw new ArgumentException($"JSON number {value.ToJsonString()} is beyond the range of a double.", nameof(value));
        }

        return number;
    }

    // For values such as a Guid or DateTime whose JSON form is a string but which are not stored as one.
    private static string ReadBackString(JsonValue value)
    {
        using var document = JsonDocument.Parse(value.ToJsonString());
        return document.RootElement.GetString()!;
    }

    private static void WriteString(StringBuilder builder, string text)
    {
        builder.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])))
                    {
                        throw new ArgumentException($"String has a lone surrogate U+{(int)c:X4} at index {i}.", nameof(text));
                    }

                    builder.Append(c);
                    if (char.IsHighSurrogate(c))
                    {
                        builder.Append(text[++i]);
                    }

                    break;
            }
        }

        builder.Append('"');
    }
}
