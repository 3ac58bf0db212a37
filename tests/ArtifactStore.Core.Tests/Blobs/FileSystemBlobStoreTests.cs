using System.Security.Cryptography;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Platform;
using ArtifactStore.FileSystem;

namespace ArtifactStore.Core.Tests.Blobs;

/// <summary>
/// Where the filesystem blob store keeps bytes: staged copies in the temporary directory, published
/// blobs at their path and nowhere else. What every blob store must do is in the conformance suite.
/// </summary>
public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly string _base = Path.Combine(Path.GetTempPath(), "as-blobs-" + Guid.NewGuid().ToString("N"));
    private readonly FileSystemBlobStore _store;

    public FileSystemBlobStoreTests() =>
        _store = new FileSystemBlobStore(Path.Combine(_base, "blobs"), Path.Combine(_base, "tmp"));

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public async Task a_staged_copy_is_a_file_in_the_temporary_directory_holding_the_bytes()
    {
        var bytes = RandomBytes((3 * 1024 * 1024) + 17);
        var staged = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(Path.Combine(_base, "tmp"), Path.GetDirectoryName(staged.StagingToken));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(staged.StagingToken));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_base, "blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task a_put_blob_is_a_hard_link_to_its_staged_file_at_its_path_until_the_staged_copy_is_discarded()
    {
        var bytes = RandomBytes(10_000);
        var first = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        var second = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        await _store.PutAsync(first, CancellationToken.None);
        await _store.PutAsync(second, CancellationToken.None);
        Assert.Equal([_store.PathOf(first.Digest)], Directory.EnumerateFiles(Path.Combine(_base, "blobs"), "*", SearchOption.AllDirectories));
        Assert.Equal(Posix.Stat(first.StagingToken, out _)!.Inode, Posix.Stat(_store.PathOf(first.Digest), out _)!.Inode);
        await _store.DiscardAsync(first, CancellationToken.None);
        await _store.DiscardAsync(second, CancellationToken.None);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_base, "tmp")));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_store.PathOf(first.Digest)));
    }

    [Fact]
    public async Task a_file_of_the_wrong_length_at_the_address_is_replaced_by_the_put_copy()
    {
        var bytes = RandomBytes(5000);
        var digest = BlobDigest.FromBytes(SHA256.HashData(bytes));
        Directory.CreateDirectory(Path.GetDirectoryName(_store.PathOf(digest))!);
        await File.WriteAllBytesAsync(_store.PathOf(digest), bytes[..100]);

        var staged = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        Assert.Equal(BlobPutOutcome.Stored, await _store.PutAsync(staged, CancellationToken.None));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_store.PathOf(digest)));
    }

    private static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }
}
