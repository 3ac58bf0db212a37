using System.Security.Cryptography;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// The blob store port: staging with both digests and a size limit, idempotent publication, reads,
/// stat, delete, list, and the verifying reader catching bytes that changed under the store.
/// </summary>
public abstract class BlobStoreContract(StoreBackendFixture fixture) : IAsyncLifetime
{
    private TestStore? _store;

    private TestStore Store => _store ?? throw new InvalidOperationException("not initialized");

    private IBlobStore Blobs => Store.Blobs;

    public async Task InitializeAsync() => _store = await TestStore.OpenAsync(fixture);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024 * 1024)]
    [InlineData((3 * 1024 * 1024) + 17)]
    public async Task staging_computes_both_digests_in_one_pass_and_the_published_blob_reads_back(int size)
    {
        var bytes = RandomBytes(size);
        var staged = (await Blobs.StageAsync(new TrickleStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(BlobDigest.FromBytes(SHA256.HashData(bytes)), staged.Digest);
        Assert.Equal(Convert.ToHexStringLower(Blake3Hasher.Hash(bytes)), staged.Blake3Hex);
        Assert.Equal(size, staged.Size);

        Assert.Equal(BlobPutOutcome.Stored, await PutAsync(staged));
        Assert.Equal(bytes, await ReadAllAsync(staged.Digest));
        Assert.Equal(0, await Store.CountStagedAsync());

        // Staged outside a package, even a small blob is a file or object, never a row of the database.
        Assert.Equal(size, (await Blobs.OutsideTheDatabase.StatAsync(staged.Digest, CancellationToken.None))?.Length);
    }

    [Fact]
    public async Task staging_more_than_the_limit_fails_and_leaves_nothing()
    {
        var result = await Blobs.StageAsync(new MemoryStream(RandomBytes(5000)), 4999, CancellationToken.None);
        Assert.Equal(ErrorCodes.PayloadTooLarge, result.Error?.Code);
        Assert.Equal(0, await Store.CountStagedAsync());
        Assert.Equal(0, await Store.CountBlobsAsync());
    }

    [Fact]
    public async Task staging_more_than_the_limit_across_many_chunks_fails_and_leaves_nothing()
    {
        var result = await Blobs.StageAsync(new TrickleStream(RandomBytes(5 * 1024 * 1024)), (3 * 1024 * 1024) + 5, CancellationToken.None);
        Assert.Equal(ErrorCodes.PayloadTooLarge, result.Error?.Code);
        Assert.Equal(0, await Store.CountStagedAsync());
        Assert.Equal(0, await Store.CountBlobsAsync());
    }

    [Fact]
    public async Task staging_exactly_the_limit_succeeds()
    {
        var bytes = RandomBytes(2 * 1024 * 1024);
        var staged = await Blobs.StageAsync(new MemoryStream(bytes), bytes.Length, CancellationToken.None);
        Assert.True(staged.IsSuccess);
        Assert.Equal(bytes.Length, staged.Value.Size);
        await Blobs.DiscardAsync(staged.Value, CancellationToken.None);
        Assert.Equal(0, await Store.CountStagedAsync());
    }

    [Fact]
    public async Task a_source_that_fails_midway_fails_the_staging_with_its_error_and_leaves_nothing()
    {
        var failing = new FailingStream(RandomBytes(4 * 1024 * 1024), failAfter: (2 * 1024 * 1024) + 100);
        var error = await Assert.ThrowsAsync<IOException>(() => Blobs.StageAsync(failing, long.MaxValue, CancellationToken.None));
        Assert.Equal("the connection broke", error.Message);
        Assert.Equal(0, await Store.CountStagedAsync());
    }

    [Fact]
    public async Task concurrent_stagings_each_keep_their_own_bytes()
    {
        // Pooled buffers are shared by all uploads: a buffer returned twice or too early would mix contents.
        var contents = Enumerable.Range(1, 8).Select(i => RandomBytes((3 * 1024 * 1024) + (i * 4099))).ToArray();
        for (var round = 0; round < 3; round++)
        {
            var staged = await Task.WhenAll(contents.Select(c => Task.Run(() => Blobs.StageAsync(new TrickleStream(c), long.MaxValue, CancellationToken.None))));
            for (var i = 0; i < contents.Length; i++)
            {
                Assert.Equal(BlobDigest.FromBytes(SHA256.HashData(contents[i])), staged[i].Value.Digest);
                Assert.Equal(Convert.ToHexStringLower(Blake3Hasher.Hash(contents[i])), staged[i].Value.Blake3Hex);
                await PutAsync(staged[i].Value);
                Assert.Equal(contents[i], await ReadAllAsync(staged[i].Value.Digest));
                Assert.NotNull(await Blobs.DeleteAsync(staged[i].Value.Digest, CancellationToken.None));
            }
        }

        Assert.Equal(0, await Store.CountStagedAsync());
    }

    [Fact]
    public async Task putting_the_same_content_twice_keeps_one_copy_and_answers_already_exists()
    {
        var bytes = RandomBytes(10_000);
        var first = (await Blobs.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        var second = (await Blobs.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(BlobPutOutcome.Stored, await PutAsync(first));
        Assert.Equal(BlobPutOutcome.AlreadyExists, await PutAsync(second));
        Assert.Equal([first.Digest], await Blobs.ListAsync(CancellationToken.None).ToListAsync());
        Assert.Equal(0, await Store.CountStagedAsync());
        Assert.Equal(bytes, await ReadAllAsync(first.Digest));
    }

    [Fact]
    public async Task many_tasks_putting_one_digest_at_once_end_with_one_intact_blob()
    {
        var bytes = RandomBytes(256 * 1024);
        var staged = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
            (await Blobs.StageAsync(new TrickleStream(bytes), long.MaxValue, CancellationToken.None)).Value)));
        var outcomes = await Task.WhenAll(staged.Select(s => Task.Run(() => PutAsync(s))));

        // Put-if-absent: exactly one of the racing puts stores the bytes, the others find them there.
        Assert.Single(outcomes, o => o == BlobPutOutcome.Stored);
        Assert.Equal([staged[0].Digest], await Blobs.ListAsync(CancellationToken.None).ToListAsync());
        Assert.Equal(bytes, await ReadAllAsync(staged[0].Digest));
        Assert.Equal(0, await Store.CountStagedAsync());
    }

    [Fact]
    public async Task a_put_keeps_the_staged_copy_so_it_can_be_repeated_after_the_address_was_deleted()
    {
        var bytes = RandomBytes(40_000);
        var staged = (await Blobs.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(BlobPutOutcome.Stored, await Blobs.PutAsync(staged, CancellationToken.None));
        Assert.Equal(1, await Store.CountStagedAsync());

        // The reaper (or the orphan sweep) removes the address before the upload's unit of work commits.
        Assert.Equal(bytes.Length, await Blobs.DeleteAsync(staged.Digest, CancellationToken.None));
        Assert.Equal(BlobPutOutcome.Stored, await Blobs.PutAsync(staged, CancellationToken.None));
        await Blobs.DiscardAsync(staged, CancellationToken.None);

        Assert.Equal(0, await Store.CountStagedAsync());
        Assert.Equal(bytes, await ReadAllAsync(staged.Digest));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(70_000)]
    [InlineData(99_999)]
    [InlineData(100_000)]
    public async Task a_ranged_open_starts_at_the_offset_and_reports_the_whole_length(int offset)
    {
        var bytes = RandomBytes(100_000);
        var digest = await StageAndPutAsync(bytes);
        await using var content = await Blobs.OpenReadAsync(digest, offset, CancellationToken.None);
        Assert.NotNull(content);
        Assert.Equal(bytes.Length, content.Length);
        using var rest = new MemoryStream();
        await content.Stream.CopyToAsync(rest);
        Assert.Equal(bytes[offset..], rest.ToArray());
    }

    [Fact]
    public async Task a_missing_address_reads_stats_and_deletes_as_absent()
    {
        var digest = Digest(RandomBytes(10));
        Assert.Null(await Blobs.OpenReadAsync(digest, 0, CancellationToken.None));
        Assert.Null(await Blobs.StatAsync(digest, CancellationToken.None));
        Assert.Null(await Blobs.DeleteAsync(digest, CancellationToken.None));
        Assert.Empty(await Blobs.ListAsync(CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task stat_tells_the_length_and_when_the_bytes_were_written()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        var digest = await StageAndPutAsync(RandomBytes(1234));
        var stat = await Blobs.StatAsync(digest, CancellationToken.None);
        Assert.NotNull(stat);
        Assert.Equal(1234, stat.Length);
        Assert.InRange(stat.LastModified, before, DateTimeOffset.UtcNow.AddMinutes(1));
        await using var content = await Blobs.OpenReadAsync(digest, 0, CancellationToken.None);
        Assert.Equal(1234, content!.Length);
    }

    [Fact]
    public async Task delete_frees_the_bytes_once_and_is_idempotent()
    {
        var kept = await StageAndPutAsync(RandomBytes(100));
        var deleted = await StageAndPutAsync(RandomBytes(300));
        Assert.Equal(300, await Blobs.DeleteAsync(deleted, CancellationToken.None));
        Assert.Null(await Blobs.DeleteAsync(deleted, CancellationToken.None));
        Assert.Null(await Blobs.OpenReadAsync(deleted, 0, CancellationToken.None));
        await using (var content = await Blobs.OpenReadAsync(kept, 0, CancellationToken.None))
        {
            Assert.NotNull(content);
        }

        Assert.Equal([kept], await Blobs.ListAsync(CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task list_names_every_stored_address_once()
    {
        var digests = new List<BlobDigest>();
        for (var i = 1; i <= 20; i++)
        {
            digests.Add(await StageAndPutAsync(RandomBytes(i * 10)));
        }

        var listed = await Blobs.ListAsync(CancellationToken.None).ToListAsync();
        Assert.Equal(digests.Select(d => d.Hex).Order(StringComparer.Ordinal), listed.Select(d => d.Hex).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task a_discarded_staging_leaves_nothing_and_publishes_nothing()
    {
        var staged = (await Blobs.StageAsync(new MemoryStream(RandomBytes(500)), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(1, await Store.CountStagedAsync());
        await Blobs.DiscardAsync(staged, CancellationToken.None);
        await Blobs.DiscardAsync(staged, CancellationToken.None);
        Assert.Equal(0, await Store.CountStagedAsync());
        Assert.Null(await Blobs.StatAsync(staged.Digest, CancellationToken.None));
    }

    [Fact]
    public async Task a_small_corrupt_blob_is_refused_before_any_byte_is_served()
    {
        var digest = await StageAndPutAsync(RandomBytes(1000));
        await Store.Backend.CorruptBlobAsync(digest, 500, CancellationToken.None);
        var opened = await new BlobReader(Blobs).OpenAsync(digest, 1000, needRandomAccess: false, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
    }

    [Fact]
    public async Task a_large_corrupt_blob_fails_at_the_end_of_the_stream()
    {
        var size = 6 * 1024 * 1024;
        var digest = await StageAndPutAsync(RandomBytes(size));
        await Store.Backend.CorruptBlobAsync(digest, size - 10, CancellationToken.None);
        var reader = new BlobReader(Blobs, verifyUpFrontLimit: 1024 * 1024);
        await using var blob = (await reader.OpenAsync(digest, size, needRandomAccess: false, CancellationToken.None)).Value;
        Assert.False(blob.Verified);
        await Assert.ThrowsAsync<BlobCorruptException>(() => blob.Stream.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task a_range_read_verifies_the_whole_blob_first_and_again_once_the_bytes_changed()
    {
        var size = 2 * 1024 * 1024;
        var digest = await StageAndPutAsync(RandomBytes(size));
        var reader = new BlobReader(Blobs, verifyUpFrontLimit: 1024);
        await using (var good = (await reader.OpenAsync(digest, size, needRandomAccess: true, CancellationToken.None)).Value)
        {
            Assert.True(good.Verified);
        }

        // The bytes change under the store (and so does their version): the earlier verification no longer counts.
        await Store.Backend.CorruptBlobAsync(digest, 7, CancellationToken.None);
        var opened = await reader.OpenAsync(digest, size, needRandomAccess: true, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
    }

    [Fact]
    public async Task a_missing_blob_is_reported_corrupt_not_served_empty()
    {
        var digest = await StageAndPutAsync(RandomBytes(100));
        await Blobs.DeleteAsync(digest, CancellationToken.None);
        var opened = await new BlobReader(Blobs).OpenAsync(digest, 100, needRandomAccess: false, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
    }

    [Fact]
    public async Task a_blob_of_another_length_than_recorded_is_reported_corrupt()
    {
        var digest = await StageAndPutAsync(RandomBytes(100));
        var opened = await new BlobReader(Blobs).OpenAsync(digest, 101, needRandomAccess: false, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
    }

    [Fact]
    public async Task a_whole_read_fills_the_destination_and_its_count_tells_the_stored_length()
    {
        var bytes = RandomBytes(1000);
        var digest = await StageAndPutAsync(bytes);

        // One byte more than stored: the count says the blob ended first, and the bytes are the blob's.
        var roomy = new byte[1001];
        Assert.Equal(1000, await Blobs.ReadAsync(digest, roomy, CancellationToken.None));
        Assert.Equal(bytes, roomy[..1000]);

        // Less room than stored: filled, and the count says so.
        var narrow = new byte[400];
        Assert.Equal(400, await Blobs.ReadAsync(digest, narrow, CancellationToken.None));
        Assert.Equal(bytes[..400], narrow);

        Assert.Equal(-1, await Blobs.ReadAsync(Digest(RandomBytes(7)), new byte[8], CancellationToken.None));
    }

    [Theory]
    [InlineData(4 * 1024)] // checked against SHA-256
    [InlineData(256 * 1024)] // checked against BLAKE3
    public async Task a_small_whole_read_returns_the_verified_bytes_and_refuses_them_once_one_bit_changed(int size)
    {
        var bytes = RandomBytes(size);
        var staged = (await Blobs.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        await PutAsync(staged);
        var reader = new BlobReader(Blobs);
        using (var good = (await reader.ReadSmallAsync(staged.Digest, staged.Blake3Hex, size, CancellationToken.None)).Value)
        {
            Assert.Equal(bytes, good.Bytes.ToArray());
        }

        await Store.Backend.CorruptBlobAsync(staged.Digest, size / 2, CancellationToken.None);
        var read = await reader.ReadSmallAsync(staged.Digest, staged.Blake3Hex, size, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, read.Error?.Code);
        Assert.Contains("do not match", read.Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99, "longer on disk")]
    [InlineData(101, "100 bytes on disk")]
    public async Task a_small_whole_read_of_another_length_than_recorded_is_refused(int recorded, string why)
    {
        var digest = await StageAndPutAsync(RandomBytes(100));
        var read = await new BlobReader(Blobs).ReadSmallAsync(digest, null, recorded, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, read.Error?.Code);
        Assert.Contains(why, read.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_small_whole_read_of_a_missing_blob_is_refused_not_served_empty()
    {
        var digest = await StageAndPutAsync(RandomBytes(100));
        await Blobs.DeleteAsync(digest, CancellationToken.None);
        var read = await new BlobReader(Blobs).ReadSmallAsync(digest, null, 100, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, read.Error?.Code);
        Assert.Contains("missing", read.Error!.Message, StringComparison.Ordinal);
    }

    /// <summary>Puts a staged blob and drops the staged copy, as an upload does once its unit of work has ended.</summary>
    private async Task<BlobPutOutcome> PutAsync(StagedBlob staged)
    {
        var outcome = await Blobs.PutAsync(staged, CancellationToken.None);
        await Blobs.DiscardAsync(staged, CancellationToken.None);
        return outcome;
    }

    private async Task<BlobDigest> StageAndPutAsync(byte[] bytes)
    {
        var staged = (await Blobs.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        await PutAsync(staged);
        return staged.Digest;
    }

    private async Task<byte[]> ReadAllAsync(BlobDigest digest)
    {
        await using var content = await Blobs.OpenReadAsync(digest, 0, CancellationToken.None);
        Assert.NotNull(content);
        using var copy = new MemoryStream();
        await content.Stream.CopyToAsync(copy);
        Assert.Equal(content.Length, copy.Length);
        return copy.ToArray();
    }

    private static BlobDigest Digest(byte[] bytes) => BlobDigest.FromBytes(SHA256.HashData(bytes));

    private static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Serves its data until <paramref name="failAfter"/> bytes, then fails as a broken connection does.</summary>
    private sealed class FailingStream(byte[] data, int failAfter) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position >= failAfter
                ? ValueTask.FromException<int>(new IOException("the connection broke"))
                : base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, failAfter - Position)], cancellationToken);
    }

    /// <summary>Returns data in small, uneven pieces, as a network stream does.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        private int _turn;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1 + (_turn++ * 7919 % 65536))], cancellationToken);
    }
}
