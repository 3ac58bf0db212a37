using System.Security.Cryptography;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Hashing;
using ArtifactStore.FileSystem;

namespace ArtifactStore.Core.Tests.Blobs;

public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly string _base = Path.Combine(Path.GetTempPath(), "as-blobs-" + Guid.NewGuid().ToString("N"));
    private readonly FileSystemBlobStore _store;

    public FileSystemBlobStoreTests() =>
        _store = new FileSystemBlobStore(Path.Combine(_base, "blobs"), Path.Combine(_base, "tmp"));

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024 * 1024)]
    [InlineData((3 * 1024 * 1024) + 17)]
    public async Task staging_computes_both_digests_in_one_pass(int size)
    {
        var bytes = RandomBytes(size);
        var staged = (await _store.StageAsync(new TrickleStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(BlobDigest.FromBytes(SHA256.HashData(bytes)), staged.Digest);
        Assert.Equal(Convert.ToHexStringLower(Blake3Hasher.Hash(bytes)), staged.Blake3Hex);
        Assert.Equal(size, staged.Size);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(staged.StagingToken));
    }

    [Fact]
    public async Task staging_more_than_the_limit_fails_and_leaves_nothing()
    {
        var result = await _store.StageAsync(new MemoryStream(RandomBytes(5000)), 4999, CancellationToken.None);
        Assert.Equal(ErrorCodes.PayloadTooLarge, result.Error?.Code);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_base, "tmp")));
    }

    [Fact]
    public async Task staging_more_than_the_limit_across_many_chunks_fails_and_leaves_nothing()
    {
        var result = await _store.StageAsync(new TrickleStream(RandomBytes(5 * 1024 * 1024)), (3 * 1024 * 1024) + 5, CancellationToken.None);
        Assert.Equal(ErrorCodes.PayloadTooLarge, result.Error?.Code);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_base, "tmp")));
    }

    [Fact]
    public async Task staging_exactly_the_limit_succeeds()
    {
        var bytes = RandomBytes(2 * 1024 * 1024);
        var staged = await _store.StageAsync(new MemoryStream(bytes), bytes.Length, CancellationToken.None);
        Assert.True(staged.IsSuccess);
        Assert.Equal(bytes.Length, staged.Value.Size);
    }

    [Fact]
    public async Task a_source_that_fails_midway_fails_the_staging_with_its_error_and_leaves_nothing()
    {
        var failing = new FailingStream(RandomBytes(4 * 1024 * 1024), failAfter: (2 * 1024 * 1024) + 100);
        var error = await Assert.ThrowsAsync<IOException>(() => _store.StageAsync(failing, long.MaxValue, CancellationToken.None));
        Assert.Equal("the connection broke", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_base, "tmp")));
    }

    [Fact]
    public async Task concurrent_stagings_each_keep_their_own_bytes()
    {
        // Pooled buffers are shared by all uploads: a buffer returned twice or too early would mix contents.
        var contents = Enumerable.Range(1, 8).Select(i => RandomBytes((3 * 1024 * 1024) + (i * 4099))).ToArray();
        for (var round = 0; round < 3; round++)
        {
            var staged = await Task.WhenAll(contents.Select(c => Task.Run(() => _store.StageAsync(new TrickleStream(c), long.MaxValue, CancellationToken.None))));
            for (var i = 0; i < contents.Length; i++)
            {
                Assert.Equal(BlobDigest.FromBytes(SHA256.HashData(contents[i])), staged[i].Value.Digest);
                Assert.Equal(Convert.ToHexStringLower(Blake3Hasher.Hash(contents[i])), staged[i].Value.Blake3Hex);
                Assert.Equal(contents[i], await File.ReadAllBytesAsync(staged[i].Value.StagingToken));
                await _store.DiscardAsync(staged[i].Value, CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task putting_the_same_content_twice_keeps_one_copy()
    {
        var bytes = RandomBytes(10_000);
        var first = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        var second = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(BlobPutOutcome.Stored, await _store.PutAsync(first, CancellationToken.None));
        Assert.Equal(BlobPutOutcome.AlreadyExists, await _store.PutAsync(second, CancellationToken.None));
        // The staged copies stay until discarded, so that a put can be repeated.
        Assert.Equal(2, Directory.EnumerateFileSystemEntries(Path.Combine(_base, "tmp")).Count());
        await _store.DiscardAsync(first, CancellationToken.None);
        await _store.DiscardAsync(second, CancellationToken.None);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_base, "blobs"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_base, "tmp")));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_store.PathOf(first.Digest)));
    }

    [Fact]
    public async Task a_small_corrupt_blob_is_refused_before_any_byte_is_served()
    {
        var digest = await PublishAsync(RandomBytes(1000));
        Corrupt(digest, 500);
        var reader = new BlobReader(_store);
        var opened = await reader.OpenAsync(digest, 1000, needRandomAccess: false, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
    }

    [Fact]
    public async Task a_large_corrupt_blob_fails_at_the_end_of_the_stream()
    {
        var size = 6 * 1024 * 1024;
        var digest = await PublishAsync(RandomBytes(size));
        Corrupt(digest, size - 10);
        var reader = new BlobReader(_store, verifyUpFrontLimit: 1024 * 1024);
        await using var blob = (await reader.OpenAsync(digest, size, needRandomAccess: false, CancellationToken.None)).Value;
        Assert.False(blob.Verified);
        await Assert.ThrowsAsync<BlobCorruptException>(() => blob.Stream.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task a_range_read_verifies_the_whole_blob_first()
    {
        var size = 2 * 1024 * 1024;
        var digest = await PublishAsync(RandomBytes(size));
        var reader = new BlobReader(_store, verifyUpFrontLimit: 1024);
        await using (var good = (await reader.OpenAsync(digest, size, needRandomAccess: true, CancellationToken.None)).Value)
        {
            Assert.True(good.Verified);
        }

        Corrupt(digest, 7);
        // The bytes changed on disk (new modification time), so the earlier verification no longer counts.
        File.SetLastWriteTimeUtc(_store.PathOf(digest), DateTime.UtcNow.AddSeconds(5));
        var opened = await reader.OpenAsync(digest, size, needRandomAccess: true, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
    }

    [Fact]
    public async Task a_missing_blob_is_reported_corrupt_not_served_empty()
    {
        var digest = await PublishAsync(RandomBytes(100));
        File.Delete(_store.PathOf(digest));
        var opened = await new BlobReader(_store).OpenAsync(digest, 100, needRandomAccess: false, CancellationToken.None);
        Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
    }

    private async Task<BlobDigest> PublishAsync(byte[] bytes)
    {
        var staged = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        await _store.PutAsync(staged, CancellationToken.None);
        await _store.DiscardAsync(staged, CancellationToken.None);
        return staged.Digest;
    }

    private void Corrupt(BlobDigest digest, long offset)
    {
        using var file = new FileStream(_store.PathOf(digest), FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x01));
    }

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
