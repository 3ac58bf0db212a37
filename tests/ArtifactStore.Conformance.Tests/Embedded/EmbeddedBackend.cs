using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Conformance.Tests.Embedded;

/// <summary>The embedded backend as the contracts see it.</summary>
internal sealed class EmbeddedBackend(EmbeddedStore store) : TestBackend
{
    public override IStoreDatabase Database => store.Database;

    public override IBlobStore Blobs => store.Blobs;

    public override IJobLogStore JobLogs => store.JobLogs;

    public override Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IStoreSnapshot>(SqliteSnapshot.Open(store.Database.DatabasePath));

    public override Task<int> CountStagedAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Directory.EnumerateFileSystemEntries(store.Root.TempDirectory).Count());

    public override Task CorruptBlobAsync(BlobDigest digest, long offset, CancellationToken cancellationToken) =>
        FileBlobDamage.FlipBitAsync(store.Blobs.PathOf(digest), offset);

    public override ValueTask DisposeAsync() => store.DisposeAsync();
}
