namespace ArtifactStore.Core.Text;

/// <summary>
/// Strings in the order of their UTF-8 bytes, which is the order of their code points: how SQLite's <c>BINARY</c>
/// collation and PostgreSQL's <c>"C"</c> collation sort text. <see cref="StringComparer.Ordinal"/> compares UTF-16
/// code units instead, and puts a character above U+FFFF (a surrogate pair, 0xD800–0xDFFF) before one in
/// U+E000–U+FFFF, where the databases put it after.
/// </summary>
public sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Comparer = new();

    private Utf8Order()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var (a, b) = (x[i], y[i]);
            if (a == b)
            {
                continue;
            }

            // Two code units of the same kind compare as their code points do (two low surrogates after the same high
            // one included). A surrogate against anything else: the surrogate starts a code point above U+FFFF.
            var (surrogateA, surrogateB) = (char.IsSurrogate(a), char.IsSurrogate(b));
            return surrogateA == surrogateB ? a.CompareTo(b) : (surrogateA ? 1 : -1);
        }

        return x.Length.CompareTo(y.Length);
    }
}
