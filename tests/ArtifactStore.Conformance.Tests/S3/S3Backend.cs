using Amazon.S3;
using Amazon.S3.Model;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Conformance.Tests.Embedded;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;
using ArtifactStore.S3;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Conformance.Tests.S3;

/// <summary>A store of the embedded SQLite database with its blobs in S3, as the contracts see it.</summary>
internal sealed class S3Backend(EmbeddedStore embedded, S3BlobStore blobs, IAmazonS3 client, string bucket) : TestBackend
{
    // As the server composes it: small blobs of packages inline in the database.
    private readonly InlineBlobStore _blobs = new(blobs, embedded.Database.Views);

    public override IStoreDatabase Database => embedded.Database;

    public override IBlobStore Blobs => _blobs;

    public override IJobLogStore JobLogs => embedded.JobLogs;

    public S3BlobStore S3Blobs => blobs;

    public override Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IStoreSnapshot>(SqliteSnapshot.Open(embedded.Database.DatabasePath));

    public override Task<int> CountStagedAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Directory.EnumerateFileSystemEntries(embedded.Root.TempDirectory).Count());

    public override async Task CorruptBlobAsync(BlobDigest digest, long offset, CancellationToken cancellationToken)
    {
        if (await blobs.StatAsync(digest, cancellationToken) is not null)
        {
            await FlipBitAsync(client, bucket, blobs.KeyOf(digest), offset, cancellationToken);
        }
        else if (!InlineBlobDamage.FlipBitInSqlite(embedded.Database.DatabasePath, digest, offset))
        {
            throw new InvalidOperationException($"no bytes of {digest} to damage");
        }
    }

    /// <summary>Reads the object, flips one bit and writes it back with a plain PUT: new bytes, so a new ETag (the blob's version).</summary>
    internal static async Task FlipBitAsync(IAmazonS3 client, string bucket, string key, long offset, CancellationToken cancellationToken)
    {
        byte[] bytes;
        using (var response = await client.GetObjectAsync(bucket, key, cancellationToken))
        using (var copy = new MemoryStream())
        {
            await response.ResponseStream.CopyToAsync(copy, cancellationToken);
            bytes = copy.ToArray();
        }

        bytes[offset] ^= 0x01;
        await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(bytes),
            UseChunkEncoding = false,
        }, cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        blobs.Dispose();
        await embedded.DisposeAsync();
    }
}
