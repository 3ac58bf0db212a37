using System.Buffers;
using System.Globalization;
using System.Text;

namespace ArtifactStore.Core.Text;

/// <summary>
/// Unicode canonical equivalence without the platform's globalization data. The store runs with invariant
/// globalization, where <see cref="string.Normalize()"/> returns non-ASCII text unchanged, so <c>é</c> as one code
/// point (NFC) and as <c>e</c> plus a combining accent (NFD) would stay two different strings. Two strings are
/// canonically equivalent exactly when their NFD forms are equal (and so exactly when their NFC forms are), so
/// <see cref="Decompose"/> is the comparison key. Data: <see cref="UnicodeTables"/>, generated from the Unicode
/// Character Database by generate-unicode-tables.py beside this file.
/// </summary>
public static class CanonicalForm
{
    private const int HangulBase = 0xAC00;
    private const int HangulCount = 11172;
    private const int LeadingBase = 0x1100;
    private const int VowelBase = 0x1161;
    private const int TrailingBase = 0x11A7;
    private const int VowelCount = 21;
    private const int TrailingCount = 28;

    private static readonly Lazy<Dictionary<int, int[]>> Decompositions = new(ReadDecompositions);
    private static readonly Lazy<(int First, int Last, int Class)[]> Classes = new(ReadClasses);

    /// <summary>
    /// The canonical decomposition (NFD) of well-formed UTF-16 text: every character replaced by its full canonical
    /// decomposition, then each run of combining marks put in the canonical order.
    /// </summary>
    /// <exception cref="ArgumentException">The text has a lone surrogate.</exception>
    public static string Decompose(string text)
    {
        if (text.All(c => c < 0xC0))
        {
            // Nothing below U+00C0 decomposes or combines.
            return text;
        }

        var scalars = new List<int>(text.Length + 8);
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
            {
                throw new ArgumentException("the text has a lone surrogate", nameof(text));
            }

            Append(rune.Value, scalars);
            i += used;
        }

        Reorder(scalars);
        var result = new StringBuilder(scalars.Count);
        foreach (var scalar in scalars)
        {
            result.Append(new Rune(scalar).ToString());
        }

        return result.ToString();
    }

    /// <summary>True when the two strings are the same text in Unicode's sense (canonically equivalent).</summary>
    public static bool AreEquivalent(string a, string b) => string.Equals(Decompose(a), Decompose(b), StringComparison.Ordinal);

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int scalar)
    {
        var classes = Classes.Value;
        int low = 0, high = classes.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (scalar < classes[middle].First)
            {
                high = middle - 1;
            }
            else if (scalar > classes[middle].Last)
            {
                low = middle + 1;
            }
            else
            {
                return classes[middle].Class;
            }
        }

        return 0;
    }

    private static void Append(int scalar, List<int> output)
    {
        var syllable = scalar - HangulBase;
        if (syllable is >= 0 and < HangulCount)
        {
            // Hangul syllables decompose by arithmetic (The Unicode Standard, section 3.12).
            output.Add(LeadingBase + (syllable / (VowelCount * TrailingCount)));
            output.Add(VowelBase + (syllable % (VowelCount * TrailingCount) / TrailingCount));
            var trailing = syllable % TrailingCount;
            if (trailing > 0)
            {
                output.Add(TrailingBase + trailing);
            }

            return;
        }

        if (Decompositions.Value.TryGetValue(scalar, out var decomposition))
        {
            output.AddRange(decomposition);
        }
        else
        {
            output.Add(scalar);
        }
    }

    /// <summary>Canonical ordering: a stable sort of each run of non-starters by combining class.</summary>
    private static void Reorder(List<int> scalars)
    {
        for (var i = 1; i < scalars.Count; i++)
        {
            var current = scalars[i];
            var currentClass = CombiningClass(current);
            if (currentClass == 0)
            {
                continue;
            }

            var j = i;
            while (j > 0 && CombiningClass(scalars[j - 1]) is var before && before > currentClass)
            {
                scalars[j] = scalars[j - 1];
                j--;
            }

            scalars[j] = current;
        }
    }

    private static Dictionary<int, int[]> ReadDecompositions()
    {
        var table = new Dictionary<int, int[]>();
        foreach (var entry in UnicodeTables.Decompositions.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = Split(entry, '=');
            table[Hex(key)] = [.. value.Split(' ').Select(Hex)];
        }

        return table;
    }

    private static (int First, int Last, int Class)[] ReadClasses() =>
        [.. UnicodeTables.CombiningClasses.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(entry =>
        {
            var (range, value) = Split(entry, '=');
            var (first, last) = Split(range, '-');
            return (Hex(first), Hex(last), int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture));
        })];

    private static (string Left, string Right) Split(string text, char separator)
    {
        var at = text.IndexOf(separator, StringComparison.Ordinal);
        return (text[..at], text[(at + 1)..]);
    }

    private static int Hex(string text) => int.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
