using System.Globalization;

namespace ArtifactStore.Server.Http;

/// <summary>A single satisfiable byte range of an entity (RFC 9110 §14). Multiple ranges are served as the whole entity.</summary>
public readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length - 1;

    /// <summary>
    /// Parses a <c>Range</c> header against an entity of <paramref name="size"/> bytes. Returns
    /// <c>(null, true)</c> to serve the whole entity, <c>(range, true)</c> for a partial response and
    /// <c>(null, false)</c> when the range cannot be satisfied (416).
    /// </summary>
    public static (ByteRange? Range, bool Satisfiable) Parse(string? header, long size)
    {
        if (string.IsNullOrWhiteSpace(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return (null, true);
        }

        var spec = header[6..].Trim();
        if (spec.Contains(',', StringComparison.Ordinal))
        {
            return (null, true);
        }

        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return (null, true);
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            // Suffix range: the last N bytes.
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return (null, true);
            }

            if (suffix == 0 || size == 0)
            {
                return (null, false);
            }

            var length = Math.Min(suffix, size);
            return (new ByteRange(size - length, length), true);
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return (null, true);
        }

        if (start >= size)
        {
            return (null, false);
        }

        var end = size - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                return (null, true);
            }

            end = Math.Min(end, size - 1);
        }

        return (new ByteRange(start, end - start + 1), true);
    }
}
