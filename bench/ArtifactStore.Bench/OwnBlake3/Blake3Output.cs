using System.Runtime.CompilerServices;

namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>
/// A node's inputs held back from its last compression, so the caller can still choose between a
/// chaining value (an inner node) and any amount of root output (the XOF) — BLAKE3's "Output".
/// </summary>
internal struct Blake3Output
{
    private Words8 _inputCv;
    private Block64 _block;
    private readonly ulong _counter;
    private readonly uint _blockLength;
    private readonly uint _flags;

    public Blake3Output(ReadOnlySpan<uint> inputCv, ReadOnlySpan<byte> block, ulong counter, uint flags)
    {
        inputCv[..8].CopyTo(_inputCv);
        block.CopyTo(_block); // shorter blocks stay zero-padded, as the spec requires
        _counter = counter;
        _blockLength = (uint)block.Length;
        _flags = flags;
    }

    /// <summary>The node's chaining value, for use in its parent.</summary>
    public readonly void ChainingValue(Span<uint> cv) =>
        Blake3Core.CompressCv(_inputCv, _block, _counter, _blockLength, _flags, cv);

    /// <summary>Fills <paramref name="output"/> with root output, compressing once per 64 bytes with an output block counter.</summary>
    public readonly void RootBytes(Span<byte> output)
    {
        Span<uint> words = stackalloc uint[16];
        Span<byte> bytes = stackalloc byte[Blake3Core.BlockLength];
        ulong outputBlock = 0;
        while (!output.IsEmpty)
        {
            Blake3Core.Compress(_inputCv, _block, outputBlock++, _blockLength, _flags | Blake3Core.Root, words);
            Blake3Core.WordsToBytes(words, bytes);
            var take = Math.Min(bytes.Length, output.Length);
            bytes[..take].CopyTo(output);
            output = output[take..];
        }
    }

    [InlineArray(8)]
    private struct Words8
    {
        private uint _element;
    }

    [InlineArray(Blake3Core.BlockLength)]
    private struct Block64
    {
        private byte _element;
    }
}
