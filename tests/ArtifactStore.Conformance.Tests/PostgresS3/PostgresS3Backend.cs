using Amazon.S3;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Conformance.Tests.S3;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;
using ArtifactStore.Postgres;
using ArtifactStore.S3;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

/// <summary>The scale-out pair, PostgreSQL for the database and S3 for the blobs, as the contracts see it.</summary>
internal sealed class PostgresS3Backend(PostgresStoreDatabase database, S3BlobStore blobs, IJobLogStore jobLogs, string tempDirectory, IAmazonS3 client) : TestBackend
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
        if (await blobs.StatAsync(digest, cancellationToken) is not null)
        {
            await S3Backend.FlipBitAsync(client, S3BackendFixture.Bucket, blobs.KeyOf(digest), offset, cancellationToken);
        }
        else if (!await InlineBlobDamage.FlipBitInPostgresAsync(database.ConnectionString, digest, offset, cancellationToken))
        {
            throw new InvalidOperationException($"no bytes of {digest} to damage");
        }
    }

    public override async ValueTask DisposeAsync()
    {
        blobs.Dispose();
        await database.DisposeAsync();
    }
}
