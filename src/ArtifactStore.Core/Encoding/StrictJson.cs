using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// The rules every JSON document a client sends is held to beyond what the parser enforces (I-JSON,
/// RFC 7493): each member name at most once per object, no string or member name holding an unpaired
/// surrogate escape (<c>"\ud800"</c>), and no number a double cannot hold (<c>1e400</c>).
/// System.Text.Json accepts all three when it parses: duplicates silently (the last one wins in some
/// readers, the first in others), a lone surrogate until the string is read (then it throws), and an
/// out-of-range number as a token. Checking a whole document once, before anything reads it, turns each
/// into a refusal that names the field instead of an exception somewhere later.
/// </summary>
public static class StrictJson
{
    private const int MaxShownNumber = 40;

    /// <summary>The first rule <paramref name="element"/> breaks, or null.</summary>
    /// <param name="element">A parsed document (or part of one).</param>
    /// <param name="path">Where <paramref name="element"/> sits, as a field path (<c>options</c>); empty for a whole body.</param>
    public static StrictJsonProblem? Check(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return new StrictJsonProblem(Shown(path), $"a member name in {Where(path)} holds an unpaired surrogate escape");
                    }

                    var child = Member(path, name);
                    if (!names.Add(name))
                    {
                        return new StrictJsonProblem(child, $"member '{Printable(name)}' appears more than once in {Where(path)}");
                    }

                    if (Check(property.Value, child) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Check(item, $"{path}[{index.ToString(CultureInfo.InvariantCulture)}]") is { } problem)
                    {
                        return problem;
                    }

                    index++;
                }

                return null;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return new StrictJsonProblem(Shown(path), $"{Where(path)} holds an unpaired surrogate escape; strings must be valid Unicode");
                }

            case JsonValueKind.Number:
                if (element.TryGetDouble(out var value) && double.IsFinite(value))
                {
                    return null;
                }

                var raw = element.GetRawText();
                return new StrictJsonProblem(Shown(path),
                    $"{Where(path)} is the number {(raw.Length > MaxShownNumber ? raw[..MaxShownNumber] + "…" : raw)}, which is out of range (a JSON number here must fit a double)");
            default:
                return null;
        }
    }

    private static string Member(string path, string name) => path.Length == 0 ? Printable(name) : $"{path}.{Printable(name)}";

    private static string Shown(string path) => path.Length == 0 ? "body" : path;

    private static string Where(string path) => path.Length == 0 ? "the body" : $"'{path}'";

    // Member names end up in problem documents and logs: control characters are shown escaped.
    private static string Printable(string name)
    {
        if (!name.Any(char.IsControl))
        {
            return name;
        }

        var text = new StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return text.ToString();
    }
}
