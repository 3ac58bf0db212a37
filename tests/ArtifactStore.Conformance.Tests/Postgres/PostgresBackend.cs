using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;
using ArtifactStore.FileSystem;
using ArtifactStore.Postgres;

namespace ArtifactStore.Conformance.Tests.Postgres;

/// <summary>A store on the PostgreSQL adapter as the contracts see it.</summary>
internal sealed class PostgresBackend(PostgresStoreDatabase database, FileSystemBlobStore blobs, IJobLogStore jobLogs, string tempDirectory) : TestBackend
{
    public override IStoreDatabase Database => database;

    public override IBlobStore Blobs => blobs;

    public override IJobLogStore JobLogs => jobLogs;

    public override async Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) =>
        await PostgresSnapshot.OpenAsync(database.ConnectionString, cancellationToken);

    public override Task<int> CountStagedAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Directory.EnumerateFileSystemEntries(tempDirectory).Count());

    public override Task CorruptBlobAsync(BlobDigest digest, long offset, CancellationToken cancellationToken) =>
        FileBlobDamage.FlipBitAsync(blobs.PathOf(digest), offset);

    public override ValueTask DisposeAsync() => database.DisposeAsync();
}
