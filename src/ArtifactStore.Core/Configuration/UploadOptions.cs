using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Configuration;

/// <summary>Resumable upload sessions (<c>Uploads:*</c>, docs/upload.md "Upload sessions").</summary>
public sealed record UploadOptions
{
    /// <summary>How long a session lives after its last accepted chunk; then GC removes it and its bytes. Default 24 h.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The most bytes one session may hold (413 beyond). Default 16 GiB.</summary>
    public long MaxSessionBytes { get; init; } = 16L * 1024 * 1024 * 1024;

    /// <summary>The most sessions one caller may have open at once (429 beyond). Default 100.</summary>
    public int MaxSessionsPerCaller { get; init; } = 100;

    /// <summary>
    /// Files and manifests of packages of at most this many bytes are kept inline in the database, written by the
    /// unit of work that creates the package (docs/upload.md, "Small blobs"). 0 keeps every blob in the blob store.
    /// Default 64 KiB; at most 1 MiB.
    /// </summary>
    public long InlineMaxBytes { get; init; } = InlineBlobStore.DefaultMaxInlineBytes;

    /// <summary>
    /// How many bytes of inline blobs downloads may keep in memory (<see cref="InlineBlobCache"/>), so a download of a
    /// small file needs no database query; every read from it is still verified. 0 turns it off. Default 32 MiB.
    /// </summary>
    public long InlineCacheBytes { get; init; } = InlineBlobCache.DefaultCapacityBytes;

    /// <summary>The largest <see cref="InlineCacheBytes"/> allowed: 64 GiB.</summary>
    public const long InlineCacheBytesLimit = 64L * 1024 * 1024 * 1024;

    /// <summary>The largest <see cref="InlineMaxBytes"/> allowed: a database row is no place for large content.</summary>
    public const long InlineMaxBytesLimit = 1024 * 1024;

    public IEnumerable<string> Validate()
    {
        if (InlineMaxBytes is < 0 or > InlineMaxBytesLimit)
        {
            yield return $"Uploads:InlineMaxBytes: must be between 0 and {InlineMaxBytesLimit}";
        }

        if (InlineCacheBytes is < 0 or > InlineCacheBytesLimit)
        {
            yield return $"Uploads:InlineCacheBytes: must be between 0 and {InlineCacheBytesLimit}";
        }

        if (SessionTimeout <= TimeSpan.Zero)
        {
            yield return "Uploads:SessionTimeout: must be positive";
        }

        if (MaxSessionBytes <= 0)
        {
            yield return "Uploads:MaxSessionBytes: must be positive";
        }

        if (MaxSessionsPerCaller <= 0)
        {
            yield return "Uploads:MaxSessionsPerCaller: must be positive";
        }
    }
}
