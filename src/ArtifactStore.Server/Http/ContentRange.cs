using System.Globalization;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Server.Http;

/// <summary>
/// The <c>Content-Range</c> of an upload chunk: <c>bytes START-END/TOTAL</c>, <c>bytes START-END/*</c>, or the OCI
/// distribution spec's bare <c>START-END</c> (docs/api.md, "Upload sessions"). END is inclusive.
/// </summary>
public readonly record struct ContentRange(long Start, long End)
{
    public long Length => End - Start + 1;

    /// <summary>The range, null when the header is absent, or a <c>validation_failed</c> for one that cannot be read.</summary>
    public static Result<ContentRange?> Read(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return (ContentRange?)null;
        }

        var text = header.Trim();
        if (text.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            text = text[6..].TrimStart();
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            text = text[..slash];
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 ||
            !long.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ||
            !long.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var end) ||
            end < start)
        {
            return StoreError.Validation("Content-Range must be 'bytes START-END/TOTAL', 'bytes START-END/*' or 'START-END' with START <= END", "Content-Range");
        }

        return (ContentRange?)new ContentRange(start, end);
    }
}
