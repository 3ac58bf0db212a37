using System.Security.Cryptography;
using ArtifactStore.Core.Hashing;
using ArtifactStore.FileSystem;

namespace ArtifactStore.Core.Tests.Blobs;

/// <summary>
/// The staging pipeline writes whole 4 KiB blocks with O_DIRECT and the rest through the page cache
/// (docs/upload.md, "Digests"). Whatever the content's length and however the client's bytes arrive, the
/// staged file holds exactly the bytes sent and both digests are those of the bytes.
/// </summary>
public sealed class StagingDirectWriteTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private const int ODirectOctal = 0x4000; // O_DIRECT on x86-64, as /proc/self/fdinfo prints it (in octal)
    private readonly string _base = Path.Combine(Path.GetTempPath(), "as-direct-" + Guid.NewGuid().ToString("N"));
    private readonly FileSystemBlobStore _store;

    public StagingDirectWriteTests() =>
        _store = new FileSystemBlobStore(Path.Combine(_base, "blobs"), Path.Combine(_base, "tmp"));

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Theory]
    [InlineData(MiB)] // one whole chunk: through the pipeline, every write direct
    [InlineData(MiB + 1)] // a one-byte tail after a direct chunk
    [InlineData((2 * MiB) + 4096)] // a tail that is whole blocks: still direct
    [InlineData((4 * MiB) + 4095)] // a tail one byte short of a block
    [InlineData((5 * MiB) - 1)] // the last chunk almost whole, not block-aligned
    public async Task the_staged_file_holds_exactly_the_bytes_and_their_digests_whatever_the_length(int length)
    {
        var bytes = RandomBytes(length);
        // The client's bytes arrive in small, odd-sized reads, as they do from a socket.
        var staged = (await _store.StageAsync(new TrickleStream(bytes, 7919), long.MaxValue, CancellationToken.None)).Value;

        Assert.Equal(length, staged.Size);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), staged.Digest.ToString());
        Assert.Equal(Convert.ToHexStringLower(Blake3Hasher.Hash(bytes)), staged.Blake3Hex);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(staged.StagingToken));
    }

    [Fact]
    public async Task a_put_of_a_directly_written_blob_reads_back_byte_identical_at_its_address()
    {
        var bytes = RandomBytes((3 * MiB) + 12345);
        var staged = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;
        await _store.PutAsync(staged, CancellationToken.None);
        await _store.DiscardAsync(staged, CancellationToken.None);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(_store.PathOf(staged.Digest)));
    }

    [Fact]
    public void a_file_reported_direct_has_O_DIRECT_set_until_it_is_turned_off()
    {
        Directory.CreateDirectory(_base);
        using var file = DirectWrites.Create(Path.Combine(_base, "probe"), out var direct);

        // What Create reports is what the kernel holds for the descriptor (ext4 takes O_DIRECT; a filesystem
        // that refuses it gets a buffered file, reported as such).
        Assert.Equal(direct, HasODirect(file));
        DirectWrites.StopDirect(file);
        Assert.False(HasODirect(file));
        file.Write(new byte[100]);
        Assert.Equal(100, file.Length);
    }

    private static bool HasODirect(FileStream file)
    {
        var fd = file.SafeFileHandle.DangerousGetHandle();
        var flags = File.ReadLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & ODirectOctal) != 0;
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Hands out at most a given number of bytes per read.</summary>
    private sealed class TrickleStream(byte[] bytes, int perRead) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, perRead));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, perRead)]);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, perRead), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, perRead)], cancellationToken);
    }
}
