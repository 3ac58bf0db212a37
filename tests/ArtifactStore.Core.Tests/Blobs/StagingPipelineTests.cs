using System.Security.Cryptography;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Hashing;
using ArtifactStore.FileSystem;

namespace ArtifactStore.Core.Tests.Blobs;

/// <summary>
/// The staging pipeline (read, SHA-256, BLAKE3, write on separate threads over pooled 1 MiB chunks,
/// docs/upload.md "Digests"): its digests are those of one thread hashing the same bytes at every length
/// around the chunk boundaries, and a staging that fails part way — the client's stream breaking, the byte
/// budget exceeded, the request canceled — fails cleanly and leaves no staged file behind.
/// </summary>
public sealed class StagingPipelineTests : IDisposable
{
    private const int Chunk = 1024 * 1024;
    private readonly string _base = Path.Combine(Path.GetTempPath(), "as-pipeline-" + Guid.NewGuid().ToString("N"));
    private readonly string _tmp;
    private readonly FileSystemBlobStore _store;

    public StagingPipelineTests()
    {
        _tmp = Path.Combine(_base, "tmp");
        _store = new FileSystemBlobStore(Path.Combine(_base, "blobs"), _tmp);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(Chunk - 1)] // the last length handled whole, without the pipeline
    [InlineData(2 * Chunk)] // two whole chunks
    [InlineData((2 * Chunk) - 1)]
    [InlineData((2 * Chunk) + 1)]
    [InlineData((7 * Chunk) + 3)] // more chunks than the channels hold at once
    public async Task the_digests_are_those_of_one_thread_hashing_the_same_bytes(int length)
    {
        var bytes = RandomBytes(length);
        var staged = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;

        Assert.Equal(length, staged.Size);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), staged.Digest.ToString());
        using var blake3 = Blake3Hasher.Create();
        blake3.Update(bytes);
        Assert.Equal(Convert.ToHexStringLower(blake3.Finalize()), staged.Blake3Hex);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(staged.StagingToken));
        await _store.DiscardAsync(staged, CancellationToken.None);
    }

    [Theory]
    [InlineData((3 * Chunk) + 100)] // mid-chunk, after chunks have gone down the pipeline
    [InlineData(5 * Chunk)] // exactly on a chunk boundary
    public async Task a_client_stream_that_breaks_part_way_fails_the_staging_and_leaves_no_file(int breakAt)
    {
        var failure = await Assert.ThrowsAsync<IOException>(() =>
            _store.StageAsync(new BreakingStream(RandomBytes(8 * Chunk), breakAt), long.MaxValue, CancellationToken.None));

        Assert.Equal("the client went away", failure.Message);
        Assert.Empty(StagedFiles());
    }

    [Fact]
    public async Task content_over_the_byte_budget_is_refused_part_way_and_leaves_no_file()
    {
        var staged = await _store.StageAsync(new MemoryStream(RandomBytes(6 * Chunk)), (3 * Chunk) + 5, CancellationToken.None);

        Assert.False(staged.IsSuccess);
        Assert.Equal(ErrorCodes.PayloadTooLarge, staged.Error!.Code);
        Assert.Empty(StagedFiles());
    }

    [Fact]
    public async Task a_request_canceled_part_way_fails_the_staging_and_leaves_no_file()
    {
        using var cancel = new CancellationTokenSource();
        var stream = new BreakingStream(RandomBytes(8 * Chunk), breakAt: int.MaxValue, onRead: position =>
        {
            if (position >= 2 * Chunk)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.StageAsync(stream, long.MaxValue, cancel.Token));
        Assert.Empty(StagedFiles());
    }

    [Fact]
    public async Task a_staging_after_a_failed_one_still_stages_the_right_bytes()
    {
        // A failed pipeline returns its chunks to the pool; one returned twice, or still written to, would show
        // here as bytes of the failed upload inside the next one.
        await Assert.ThrowsAsync<IOException>(() =>
            _store.StageAsync(new BreakingStream(RandomBytes(6 * Chunk), (4 * Chunk) + 7), long.MaxValue, CancellationToken.None));
        var bytes = RandomBytes((6 * Chunk) + 11, seed: 7);

        var staged = (await _store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None)).Value;

        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), staged.Digest.ToString());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(staged.StagingToken));
        await _store.DiscardAsync(staged, CancellationToken.None);
        Assert.Empty(StagedFiles());
    }

    private string[] StagedFiles() => Directory.Exists(_tmp) ? Directory.GetFiles(_tmp) : [];

    private static byte[] RandomBytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed + length).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Hands out its bytes in 64 KiB reads, as the multipart reader does, and throws once <paramref name="breakAt"/> bytes have gone.</summary>
    private sealed class BreakingStream(byte[] bytes, int breakAt, Action<long>? onRead = null) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            onRead?.Invoke(Position);
            cancellationToken.ThrowIfCancellationRequested();
            if (Position >= breakAt)
            {
                throw new IOException("the client went away");
            }

            var count = (int)Math.Min(Math.Min(buffer.Length, 64 * 1024), breakAt - Position);
            return base.ReadAsync(buffer[..count], cancellationToken);
        }
    }
}
