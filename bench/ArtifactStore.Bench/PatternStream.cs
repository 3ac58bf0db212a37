using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Bench;

/// <summary>
/// A read-only stream of pseudo-random bytes of a given length. The bytes come from one 64 MiB
/// block generated once per process and repeated, so producing them costs a memory copy: the
/// benchmark measures the store, not the random generator competing with it for the same cores.
/// The upload and the write+fsync baseline read the same generator. Streams that start at different
/// offsets into the block (<paramref name="start"/>) give different contents, so concurrent uploads
/// are distinct blobs.
/// </summary>
internal sealed class PatternStream(long length, long start = 0) : ReadOnlyStream
{
    private const int BlockSize = 64 * 1024 * 1024;
    private static readonly Lazy<byte[]> SharedBlock = new(() =>
    {
        var block = GC.AllocateUninitializedArray<byte>(BlockSize);
        new Random(42).NextBytes(block);
        return block;
    });

    private readonly byte[] _block = SharedBlock.Value;
    private long _position;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Generates the shared block now, so that no measurement includes it.</summary>
    public static void Prepare() => _ = SharedBlock.Value;

    public override int Read(Span<byte> buffer)
    {
        var total = (int)Math.Min(buffer.Length, length - _position);
        var done = 0;
        while (done < total)
        {
            var at = (int)((start + _position) % BlockSize);
            var n = Math.Min(total - done, BlockSize - at);
            _block.AsSpan(at, n).CopyTo(buffer[done..]);
            done += n;
            _position += n;
        }

        return total;
    }
}
