using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Storage;

/// <summary>A read-only snapshot of a store's database with its blobs, for checking (fsck). Disposing closes the snapshot.</summary>
public sealed record StoreSnapshotReader(IStoreSnapshot Snapshot, IBlobStore Blobs) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Snapshot.DisposeAsync();
}
