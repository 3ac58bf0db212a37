using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Storage;

/// <summary>A read-only snapshot of a store's database with its blobs, for checking (fsck). Disposing closes the snapshot.</summary>
public sealed record StoreSnapshotReader(IStoreSnapshot Snapshot, IBlobStore Blobs) : IAsyncDisposable
{
    /// <summary>
    /// The store's id when the backend keeps the store outside the data root and names it itself (as
    /// <see cref="StoreParts.StoreId"/>: the scale-out backend's <c>store_identity</c>, one id for every replica); null:
    /// the store is the data root's (or the backup's), and its marker's id is the store's.
    /// </summary>
    public string? StoreId { get; init; }

    public ValueTask DisposeAsync() => Snapshot.DisposeAsync();
}
