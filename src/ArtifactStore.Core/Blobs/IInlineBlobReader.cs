namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Read access to the small blobs a database keeps inline (docs/upload.md, "Small blobs"): the views of a
/// live database, or a snapshot of one. The bytes are written and removed only by units of work
/// (<see cref="Storage.IStoreWriter.PutInlineBlobAsync"/>, <see cref="Storage.IStoreWriter.DeleteInlineBlobAsync"/>).
/// </summary>
public interface IInlineBlobReader
{
    /// <summary>The inline bytes stored at <paramref name="digest"/>, or null when none are.</summary>
    Task<InlineBlob?> GetInlineBlobAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> digests of inline blobs sorting after <paramref name="after"/> (from the first when null), in digest order.</summary>
    Task<IReadOnlyList<BlobDigest>> ListInlineBlobsAsync(BlobDigest? after, int limit, CancellationToken cancellationToken);
}
