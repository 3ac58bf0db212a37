using System.Numerics;

namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>
/// The chaining values of completed subtrees, left to right, each a power-of-two number of chunks
/// and smaller than the one below it. Merging is lazy, so the newest CVs stay separate until it is
/// known whether more input follows; only then can the root (flagged ROOT) be told from inner nodes.
/// </summary>
internal sealed class Blake3CvStack
{
    // Enough for 2^54 chunks, i.e. the 2^64-byte maximum input.
    private const int MaxDepth = 54;

    private readonly uint[] _key;
    private readonly uint _flags;

    // CVs as bytes, so that two neighbours already form the 64-byte block of their parent.
    private readonly byte[] _cvs = new byte[MaxDepth * Blake3Core.OutputLength];
    private int _count;

    public Blake3CvStack(uint[] key, uint flags)
    {
        _key = key;
        _flags = flags;
    }

    public void Clear() => _count = 0;

    /// <summary>Pushes the CV of the subtree that starts at chunk <paramref name="chunkCounter"/>.</summary>
    public void Push(ReadOnlySpan<byte> cv, ulong chunkCounter)
    {
        Merge(chunkCounter);
        cv.CopyTo(_cvs.AsSpan(_count * Blake3Core.OutputLength));
        _count++;
    }

    /// <summary>
    /// Merges completed subtrees: after <paramref name="totalChunks"/> chunks the stack holds one CV
    /// per 1-bit of that count.
    /// </summary>
    public void Merge(ulong totalChunks)
    {
        var target = BitOperations.PopCount(totalChunks);
        Span<uint> cv = stackalloc uint[8];
        while (_count > target)
        {
            var leftAt = (_count - 2) * Blake3Core.OutputLength;
            Parent(_cvs.AsSpan(leftAt, Blake3Core.BlockLength)).ChainingValue(cv);
            Blake3Core.WordsToBytes(cv, _cvs.AsSpan(leftAt));
            _count--;
        }
    }

    /// <summary>
    /// The root node of everything so far, <paramref name="chunk"/> being the unfinished last chunk:
    /// the stack is folded from the top, without changing it, so more input may still follow.
    /// </summary>
    public Blake3Output Root(Blake3ChunkState chunk)
    {
        if (_count == 0)
        {
            return chunk.Output();
        }

        // With no partial chunk, the last pushes were a subtree's two children: they join first.
        var remaining = _count;
        var node = chunk.Length > 0 ? chunk.Output() : Parent(_cvs.AsSpan((remaining -= 2) * Blake3Core.OutputLength, Blake3Core.BlockLength));
        Span<uint> cv = stackalloc uint[8];
        Span<byte> block = stackalloc byte[Blake3Core.BlockLength];
        while (remaining > 0)
        {
            node.ChainingValue(cv);
            remaining--;
            _cvs.AsSpan(remaining * Blake3Core.OutputLength, Blake3Core.OutputLength).CopyTo(block);
            Blake3Core.WordsToBytes(cv, block[Blake3Core.OutputLength..]);
            node = Parent(block);
        }

        return node;
    }

    private Blake3Output Parent(ReadOnlySpan<byte> leftAndRight) => new(_key, leftAndRight, 0, _flags | Blake3Core.Parent);
}
