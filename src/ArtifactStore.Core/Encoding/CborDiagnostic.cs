using System.Globalization;
using System.Text;

namespace ArtifactStore.Core.Encoding;

/// <summary>RFC 8949 §8 diagnostic notation, for tests, logs and error messages.</summary>
public static class CborDiagnostic
{
    /// <summary>
    /// Renders <paramref name="value"/> the way RFC 8949 Appendix A writes values: integers in decimal,
    /// floats always with a point or exponent (1.0, 1.0e+300), h'..' byte strings, N(..) tags.
    /// </summary>
    public static string ToDiagnostic(CborValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder();
        Append(builder, value);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, CborValue value)
    {
        switch (value)
        {
            case CborInteger i:
                builder.Append(i.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case CborByteString b:
                builder.Append("h'").Append(Convert.ToHexStringLower(b.Span)).Append('\'');
                break;
            case CborTextString t:
                AppendText(builder, t.Value);
                break;
            case CborArray a:
                builder.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    builder.Append(i == 0 ? string.Empty : ", ");
                    Append(builder, a[i]);
                }

                builder.Append(']');
                break;
            case CborMap m:
                AppendMap(builder, m);
                break;
            case CborTag tag:
                builder.Append(tag.Tag.ToString(CultureInfo.InvariantCulture)).Append('(');
                Append(builder, tag.Content);
                builder.Append(')');
                break;
            case CborFloat f:
                builder.Append(FormatFloat(f.Value));
                break;
            case CborBoolean boolean:
                builder.Append(boolean.Value ? "true" : "false");
                break;
            case CborNull:
                builder.Append("null");
                break;
            case CborUndefined:
                builder.Append("undefined");
                break;
            case CborSimpleValue s:
                builder.Append("simple(").Append(s.Value.ToString(CultureInfo.InvariantCulture)).Append(')');
                break;
            default:
                throw new ArgumentException($"Unknown CBOR value type {value.GetType().Name}.", nameof(value));
        }
    }

    private static void AppendMap(StringBuilder builder, CborMap map)
    {
        builder.Append('{');
        var first = true;
        foreach (var (key, item) in map)
        {
            builder.Append(first ? string.Empty : ", ");
            first = false;
            Append(builder, key);
            builder.Append(": ");
            Append(builder, item);
        }

        builder.Append('}');
    }

    private static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // JavaScript's layout, plus a ".0" so a float never reads like an integer.
        var text = EcmaScriptNumber.Format(value);
        if (text.Contains('.', StringComparison.Ordinal))
        {
            return text;
        }

        var exponentAt = text.IndexOf('e', StringComparison.Ordinal);
        return exponentAt < 0 ? text + ".0" : text.Insert(exponentAt, ".0");
    }

    private static void AppendText(StringBuilder builder, string text)
    {
        // JSON string syntax, as §8 prescribes for text strings.
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        builder.Append('"');
    }
}
