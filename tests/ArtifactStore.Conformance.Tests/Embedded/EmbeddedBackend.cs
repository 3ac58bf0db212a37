using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Conformance.Tests.Embedded;

/// <summary>The embedded backend as the contracts see it.</summary>
internal sealed class EmbeddedBackend(EmbeddedStore store) : TestBackend
{
    // As the server composes it: small blobs of packages inline in the database.
    private readonly InlineBlobStore _blobs = new(store.Blobs, store.Database.Views);

    public override IStoreDatabase Database => store.Database;

    public override IBlobStore Blobs => _blobs;

    public override IJobLogStore JobLogs => store.JobLogs;

    public override Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IStoreSnapshot>(SqliteSnapshot.Open(store.Database.DatabasePath));

    public override Task<int> CountStagedAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Directory.EnumerateFileSystemEntries(store.Root.TempDirectory).Count());

    public override async Task CorruptBlobAsync(BlobDigest digest, long offset, CancellationToken cancellationToken)
    {
        if (File.Exists(store.Blobs.PathOf(digest)))
        {
            await FileBlobDamage.FlipBitAsync(store.Blobs.PathOf(digest), offset);
        }
        else if (!InlineBlobDamage.FlipBitInSqlite(store.Database.DatabasePath, digest, offset))
        {
            throw new InvalidOperationException($"no bytes of {digest} to damage");
        }
    }

    public override ValueTask DisposeAsync() => store.DisposeAsync();
}
