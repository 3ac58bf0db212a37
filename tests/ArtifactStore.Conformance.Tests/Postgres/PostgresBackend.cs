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
    // As the server composes it: small blobs of packages inline in the database.
    private readonly InlineBlobStore _blobs = new(blobs, database.Views);

    public override IStoreDatabase Database => database;

    public override IBlobStore Blobs => _blobs;

    public override IJobLogStore JobLogs => jobLogs;

    public override async Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) =>
        await PostgresSnapshot.OpenAsync(database.ConnectionString, cancellationToken);

    public override Task<int> CountStagedAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Directory.EnumerateFileSystemEntries(tempDirectory).Count());

    public override async Task CorruptBlobAsync(BlobDigest digest, long offset, CancellationToken cancellationToken)
    {
        if (File.Exists(blobs.PathOf(digest)))
        {
            await FileBlobDamage.FlipBitAsync(blobs.PathOf(digest), offset);
        }
        else if (!await InlineBlobDamage.FlipBitInPostgresAsync(database.ConnectionString, digest, offset, cancellationToken))
        {
            throw new InvalidOperationException($"no bytes of {digest} to damage");
        }
    }

    public override ValueTask DisposeAsync() => database.DisposeAsync();
}
