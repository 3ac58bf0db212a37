using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3.Model;
using ArtifactStore.Core.Blobs;
using ArtifactStore.S3;

namespace ArtifactStore.Conformance.Tests.S3;

/// <summary>
/// What the S3 blob store does beyond the blob contract, seen in the bucket itself: where objects live, that
/// their bytes are exactly the blob's (no transfer framing stored with them), and multipart uploads.
/// </summary>
public sealed class S3ObjectStoreTests(S3BackendFixture fixture) : IClassFixture<S3BackendFixture>, IAsyncLifetime
{
    private TestStore? _store;

    private TestStore Store => _store ?? throw new InvalidOperationException("not initialized");

    private S3Backend Backend => (S3Backend)Store.Backend;

    public async Task InitializeAsync() => _store = await TestStore.OpenAsync(fixture);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(1000)]
    [InlineData((11 * 1024 * 1024) + 3)]
    public async Task a_blob_is_one_object_at_prefix_blobs_sha256_hex_holding_exactly_its_bytes(int size)
    {
        var bytes = RandomBytes(size);
        var digest = await StageAndPutAsync(bytes);

        var key = fixture.Options(Store.Directory).NormalizedPrefix + "blobs/sha256/" + digest.Hex;
        Assert.Equal(key, Backend.S3Blobs.KeyOf(digest));
        using var response = await S3BackendFixture.Client().GetObjectAsync(S3BackendFixture.Bucket, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(copy.ToArray()));
        Assert.Equal(size, copy.Length);
    }

    [Fact]
    public async Task a_blob_larger_than_the_threshold_goes_up_in_parts_and_reads_back_from_any_offset()
    {
        var bytes = RandomBytes((12 * 1024 * 1024) + 5);

        // A store on a client whose requests are recorded: 5 + 5 + 2 MiB is one multipart upload of three parts.
        var requests = new List<string>();
        using var client = S3Clients.Create(fixture.Options(Store.Directory));
        client.BeforeRequestEvent += (_, e) =>
        {
            if (e is WebServiceRequestEventArgs web)
            {
                lock (requests)
                {
                    requests.Add(web.Request.GetType().Name);
                }
            }
        };
        using var recorded = new S3BlobStore(client, fixture.Options(Store.Directory), Path.Combine(Store.Directory, "tmp"), ownsClient: false);
        var staged = (await recorded.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(BlobPutOutcome.Stored, await recorded.PutAsync(staged, CancellationToken.None));
        await recorded.DiscardAsync(staged, CancellationToken.None);
        var digest = staged.Digest;
        Assert.Equal(1, requests.Count(r => r == nameof(InitiateMultipartUploadRequest)));
        Assert.Equal(3, requests.Count(r => r == nameof(UploadPartRequest)));
        Assert.Equal(1, requests.Count(r => r == nameof(CompleteMultipartUploadRequest)));
        Assert.DoesNotContain(nameof(PutObjectRequest), requests);

        var offset = (7 * 1024 * 1024) + 11;
        await using var content = await Store.Blobs.OpenReadAsync(digest, offset, CancellationToken.None);
        Assert.NotNull(content);
        Assert.Equal(bytes.Length, content.Length);
        using var rest = new MemoryStream();
        await content.Stream.CopyToAsync(rest);
        Assert.Equal(bytes[offset..], rest.ToArray());

        var verified = await new BlobReader(Store.Blobs, verifyUpFrontLimit: 1024).OpenAsync(digest, bytes.Length, needRandomAccess: true, CancellationToken.None);
        await using var blob = verified.Value;
        Assert.True(blob.Verified);
        blob.Stream.Position = 1024 * 1024;
        var slice = new byte[100];
        await blob.Stream.ReadExactlyAsync(slice);
        Assert.Equal(bytes.AsSpan(1024 * 1024, 100).ToArray(), slice);
    }

    [Fact]
    public async Task an_object_replaced_or_deleted_after_it_was_opened_fails_the_read_instead_of_mixing_versions()
    {
        var bytes = RandomBytes(50_000);
        var digest = await StageAndPutAsync(bytes);
        await using (var replaced = await Store.Blobs.OpenReadAsync(digest, 0, CancellationToken.None))
        {
            Assert.NotNull(replaced);
            await Store.Backend.CorruptBlobAsync(digest, 10, CancellationToken.None);
            var error = await Assert.ThrowsAsync<IOException>(() => replaced.Stream.CopyToAsync(Stream.Null));
            Assert.Contains("changed while it was being read", error.Message, StringComparison.Ordinal);
        }

        await using var deleted = await Store.Blobs.OpenReadAsync(digest, 0, CancellationToken.None);
        Assert.NotNull(deleted);
        Assert.NotNull(await Store.Blobs.DeleteAsync(digest, CancellationToken.None));
        var gone = await Assert.ThrowsAsync<IOException>(() => deleted.Stream.CopyToAsync(Stream.Null));
        Assert.Contains("deleted while it was being read", gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task keys_under_the_prefix_that_are_not_blob_addresses_are_not_listed()
    {
        var digest = await StageAndPutAsync(RandomBytes(10));
        var prefix = fixture.Options(Store.Directory).NormalizedPrefix;
        foreach (var foreign in new[] { "blobs/sha256/not-a-digest", "blobs/sha256/" + digest.Hex + "/x", "other/" + digest.Hex })
        {
            await S3BackendFixture.Client().PutObjectAsync(new PutObjectRequest
            {
                BucketName = S3BackendFixture.Bucket,
                Key = prefix + foreign,
                ContentBody = "not a blob",
                UseChunkEncoding = false,
            });
        }

        Assert.Equal([digest], await Store.Blobs.ListAsync(CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task the_writability_check_writes_and_removes_a_probe_outside_the_blob_addresses()
    {
        var check = await Store.Blobs.CheckWritableAsync(CancellationToken.None);
        Assert.True(check.IsOk, check.Problem);
        Assert.Empty(await Store.Blobs.ListAsync(CancellationToken.None).ToListAsync());
        var left = await S3BackendFixture.Client().ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = S3BackendFixture.Bucket,
            Prefix = fixture.Options(Store.Directory).NormalizedPrefix,
        });
        Assert.Empty(left.S3Objects ?? []);
    }

    [Fact]
    public async Task no_download_url_is_handed_out_so_every_download_is_verified_by_the_store()
    {
        var digest = await StageAndPutAsync(RandomBytes(10));
        Assert.Null(await Store.Blobs.GetDownloadUrlAsync(digest, TimeSpan.FromMinutes(5), CancellationToken.None));
    }

    private async Task<BlobDigest> StageAndPutAsync(byte[] bytes)
    {
        var staged = (await Store.Blobs.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(BlobPutOutcome.Stored, await Store.Blobs.PutAsync(staged, CancellationToken.None));
        await Store.Blobs.DiscardAsync(staged, CancellationToken.None);
        return staged.Digest;
    }

    private static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }
}
