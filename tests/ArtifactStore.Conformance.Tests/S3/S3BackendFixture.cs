using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Conformance.Tests.Embedded;
using ArtifactStore.S3;

namespace ArtifactStore.Conformance.Tests.S3;

/// <summary>
/// The embedded SQLite database (as <see cref="EmbeddedBackendFixture"/> opens it) with its blobs in the S3
/// server that <see cref="ServerVariable"/> names. All test stores share one bucket; each has a prefix of its
/// own, derived from its directory (so reopening is a restart) and emptied by <see cref="DeleteAsync"/>.
/// Multipart uploads start at 5 MiB here, so that the contracts' larger blobs go up in parts.
/// </summary>
public class S3BackendFixture : StoreBackendFixture
{
    /// <summary>The endpoint URL of an S3 server that takes the credentials S3RVER / S3RVER; ./test starts s3rver and sets it.</summary>
    public const string ServerVariable = "ARTIFACTSTORE_TEST_S3";

    public const string Bucket = "artifactstore-conformance";

    private static readonly SemaphoreSlim BucketGate = new(1, 1);
    private static bool _bucketExists;

    public override string Name => "s3";

    /// <summary>The options of the store kept for <paramref name="directory"/>.</summary>
    public virtual S3BlobStoreOptions Options(string directory) => new()
    {
        ServiceUrl = Server(),
        Bucket = Bucket,
        Prefix = "conf-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(directory))))[..24],
        ForcePathStyle = true,
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
        MultipartThreshold = 5 * 1024 * 1024,
        PartSize = 5 * 1024 * 1024,
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    public override async Task<TestBackend> OpenAsync(string directory, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = Client();
        await EnsureBucketAsync(client, cancellationToken);
        var embedded = await EmbeddedStore.OpenAsync(directory, time);
        return new S3Backend(embedded, new S3BlobStore(Options(directory), embedded.Root.TempDirectory), client, Bucket);
    }

    public override async Task DeleteAsync(string directory, CancellationToken cancellationToken)
    {
        var client = Client();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = Options(directory).NormalizedPrefix };
        while (true)
        {
            var page = await client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                await client.DeleteObjectAsync(Bucket, item.Key, cancellationToken);
            }

            if (page.IsTruncated != true)
            {
                break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }

        await base.DeleteAsync(directory, cancellationToken);
    }

    /// <summary>A client of the test server, for what the tests do behind the store's back.</summary>
    public static AmazonS3Client Client() => SharedClient.Value;

    private static readonly Lazy<AmazonS3Client> SharedClient = new(() => S3Clients.Create(new S3BlobStoreOptions
    {
        ServiceUrl = Server(),
        Bucket = Bucket,
        ForcePathStyle = true,
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
    }));

    internal static async Task EnsureBucketAsync(AmazonS3Client client, CancellationToken cancellationToken)
    {
        await BucketGate.WaitAsync(cancellationToken);
        try
        {
            if (_bucketExists)
            {
                return;
            }

            try
            {
                await client.PutBucketAsync(Bucket, cancellationToken);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
            }

            _bucketExists = true;
        }
        finally
        {
            BucketGate.Release();
        }
    }

    /// <summary>The server to test on. Unset is a failure, never a skip: the S3 blob store must not go untested.</summary>
    private static string Server() =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{ServerVariable} is not set: the S3 conformance tests need an S3 server. Run ./test, which starts one, or start one with " +
                $"'tests/tools/s3rver start DIR' and export {ServerVariable} with the URL it prints.");
}
