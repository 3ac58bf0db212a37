using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using ArtifactStore.Core.Errors;
using ArtifactStore.S3;

namespace ArtifactStore.Conformance.Tests.S3;

/// <summary>
/// Incomplete multipart uploads a crash left behind are aborted once older than the grace period
/// (docs/s3.md, "Leftovers"). s3rver can neither list nor abort them, so the listing, the paging, the age
/// rule and the abort are tested on an in-process fake S3 client; on s3rver, what it does support: the
/// call finds nothing to do and never fails a GC run.
/// </summary>
public sealed class S3LeftoverUploadTests(S3BackendFixture fixture) : IClassFixture<S3BackendFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task uploads_older_than_the_cutoff_under_the_blob_prefix_are_aborted_page_by_page_and_younger_ones_kept()
    {
        using var temp = new ScratchDirectory();
        var options = new S3BlobStoreOptions { Bucket = "b", Prefix = "store-1", AccessKey = "k", SecretKey = "s", ServiceUrl = "http://127.0.0.1:9" };
        using var client = new FakeUploads(pageSize: 2);
        var prefix = "store-1/blobs/sha256/";
        client.Add(prefix + new string('a', 64), "old-1", Now.AddHours(-3));
        client.Add(prefix + new string('b', 64), "young", Now.AddMinutes(-5));
        client.Add(prefix + new string('c', 64), "old-2", Now.AddHours(-2));
        client.Add(prefix + new string('c', 64), "old-3", Now.AddDays(-9));
        client.Add(prefix + new string('d', 64), "vanished", Now.AddHours(-4), abortAnswers: HttpStatusCode.NotFound);
        using var store = new S3BlobStore(client, options, temp.Path, ownsClient: false);

        var aborted = await store.AbortStaleUploadsAsync(Now.AddHours(-1), CancellationToken.None);

        Assert.Equal(3, aborted);
        Assert.Equal(["old-1", "old-2", "old-3", "vanished"], client.AbortRequests.Order(StringComparer.Ordinal));
        Assert.Equal(["young"], client.Remaining);
        Assert.All(client.ListRequests, r => Assert.Equal(prefix, r.Prefix));
        Assert.True(client.ListRequests.Count >= 3, "the listing was not paged through");
    }

    [Fact]
    public async Task a_failing_listing_is_storage_unavailable_but_a_server_without_the_listing_has_nothing_to_abort()
    {
        using var temp = new ScratchDirectory();
        var options = new S3BlobStoreOptions { Bucket = "b", AccessKey = "k", SecretKey = "s", ServiceUrl = "http://127.0.0.1:9" };
        using (var broken = new FakeUploads(pageSize: 10) { ListAnswers = HttpStatusCode.InternalServerError })
        using (var store = new S3BlobStore(broken, options, temp.Path, ownsClient: false))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => store.AbortStaleUploadsAsync(Now, CancellationToken.None));
        }

        using var unsupported = new FakeUploads(pageSize: 10) { ListAnswers = HttpStatusCode.NotImplemented };
        using var limited = new S3BlobStore(unsupported, options, temp.Path, ownsClient: false);
        Assert.Equal(0, await limited.AbortStaleUploadsAsync(Now, CancellationToken.None));
    }

    [Fact]
    public async Task on_s3rver_an_interrupted_upload_leaves_nothing_gc_fails_on()
    {
        await using var store = await TestStore.OpenAsync(fixture);
        var s3 = ((S3Backend)store.Backend).S3Blobs;

        // What a crash between creating an upload and completing it leaves: an upload with one part.
        var key = s3.KeyOf(Core.Blobs.BlobDigest.Parse("sha256:" + new string('e', 64)));
        var client = S3BackendFixture.Client();
        var started = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = S3BackendFixture.Bucket, Key = key });
        await client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = S3BackendFixture.Bucket, Key = key, UploadId = started.UploadId, PartNumber = 1,
            InputStream = new MemoryStream(new byte[1024]), UseChunkEncoding = false,
        });

        Assert.Equal(0, await s3.AbortStaleUploadsAsync(DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None));
        using var collector = store.Collector(TimeSpan.Zero);
        var report = await collector.RunAsync(dryRun: false, "test", CancellationToken.None);
        Assert.True(report.IsSuccess);
        Assert.Equal(0, report.Value.UploadsAborted);
        Assert.Null(await s3.StatAsync(Core.Blobs.BlobDigest.Parse("sha256:" + new string('e', 64)), CancellationToken.None));
    }

    /// <summary>An S3 client whose multipart-upload listing and abort are answered from memory; every other call fails.</summary>
    private sealed class FakeUploads(int pageSize) : AmazonS3Client(new BasicAWSCredentials("k", "s"), new AmazonS3Config { ServiceURL = "http://127.0.0.1:9", ForcePathStyle = true })
    {
        private readonly List<(string Key, string UploadId, DateTimeOffset Initiated, HttpStatusCode? Abort)> _uploads = [];

        public HttpStatusCode? ListAnswers { get; init; }

        public List<ListMultipartUploadsRequest> ListRequests { get; } = [];

        public List<string> AbortRequests { get; } = [];

        public IEnumerable<string> Remaining => _uploads.Select(u => u.UploadId);

        public void Add(string key, string uploadId, DateTimeOffset initiated, HttpStatusCode? abortAnswers = null) =>
            _uploads.Add((key, uploadId, initiated, abortAnswers));

        public override Task<ListMultipartUploadsResponse> ListMultipartUploadsAsync(ListMultipartUploadsRequest request, CancellationToken cancellationToken = default)
        {
            ListRequests.Add(request);
            if (ListAnswers is { } failure)
            {
                throw new AmazonS3Exception("listing refused", ErrorType.Sender, failure.ToString(), "request", failure);
            }

            // Ordered by key, then upload id, resuming after the markers, as S3 pages them.
            var ordered = _uploads
                .Where(u => u.Key.StartsWith(request.Prefix ?? string.Empty, StringComparison.Ordinal))
                .OrderBy(u => u.Key, StringComparer.Ordinal).ThenBy(u => u.UploadId, StringComparer.Ordinal)
                .SkipWhile(u => request.KeyMarker is { } key && (string.CompareOrdinal(u.Key, key) < 0
                    || (u.Key == key && string.CompareOrdinal(u.UploadId, request.UploadIdMarker ?? string.Empty) <= 0)))
                .ToList();
            var page = ordered.Take(pageSize).ToList();
            return Task.FromResult(new ListMultipartUploadsResponse
            {
                MultipartUploads = page.Select(u => new MultipartUpload { Key = u.Key, UploadId = u.UploadId, Initiated = u.Initiated.UtcDateTime }).ToList(),
                IsTruncated = ordered.Count > page.Count,
                NextKeyMarker = page.Count > 0 ? page[^1].Key : null,
                NextUploadIdMarker = page.Count > 0 ? page[^1].UploadId : null,
            });
        }

        public override Task<AbortMultipartUploadResponse> AbortMultipartUploadAsync(AbortMultipartUploadRequest request, CancellationToken cancellationToken = default)
        {
            AbortRequests.Add(request.UploadId);
            var upload = _uploads.Single(u => u.UploadId == request.UploadId && u.Key == request.Key);
            _uploads.Remove(upload);
            if (upload.Abort is { } status)
            {
                throw new AmazonS3Exception("no such upload", ErrorType.Sender, "NoSuchUpload", "request", status);
            }

            return Task.FromResult(new AbortMultipartUploadResponse());
        }
    }

    private sealed class ScratchDirectory : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "as-s3-leftovers-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }
}
