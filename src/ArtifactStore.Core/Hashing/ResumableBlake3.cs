using System.Buffers.Binary;
using System.Numerics;

namespace ArtifactStore.Core.Hashing;

/// <summary>
/// Plain BLAKE3 (the reference algorithm: 1 KiB chunks, a stack of subtree chaining values) whose state can
/// be saved and restored at any point, for the same reason as <see cref="ResumableSha256"/>: the BLAKE3
/// library cannot export its state. The state is the number of chunks finished, the chaining values on the
/// stack (at most one per bit of that number) and the raw bytes of the unfinished chunk (at most 1 KiB),
/// which are hashed again when the state is restored. Slower than the library; used only where the state
/// must move between processes.
/// <para>
/// Hand-written because no library at hand saves the state: the Blake3 package's <c>Hasher</c> (3.0.2) offers
/// update, finalize and reset only, and BouncyCastle's <c>Blake3Digest</c> (2.7.0) copies its state only to
/// another object in the same process (<c>IMemoable</c>).
/// </para>
/// </summary>
public sealed class ResumableBlake3
{
    private const int ChunkLength = 1024;
    private const int BlockLength = 64;
    private const uint ChunkStart = 1, ChunkEnd = 2, Parent = 4, Root = 8;

    private static readonly uint[] Iv = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];
    private static readonly int[] Permutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

    private readonly List<uint[]> _stack = [];
    private readonly byte[] _chunk = new byte[ChunkLength];
    private readonly uint[] _chunkCv = new uint[8];
    private int _chunkLength;
    private int _blocksCompressed;
    private ulong _chunkCounter;

    public ResumableBlake3() => Iv.CopyTo(_chunkCv, 0);

    /// <summary>How many bytes were hashed so far.</summary>
    public long Length => (long)(_chunkCounter * ChunkLength) + _chunkLength;

    public void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_chunkLength == ChunkLength)
            {
                // A full chunk is closed only once more input follows: the last chunk may be the root.
                AddChunkChainingValue(ChunkOutput().ChainingValue(), _chunkCounter + 1);
                StartChunk(_chunkCounter + 1);
            }

            var take = Math.Min(ChunkLength - _chunkLength, data.Length);
            UpdateChunk(data[..take]);
            data = data[take..];
        }
    }

    /// <summary>The 32-byte hash of the input so far; the state is left as it is.</summary>
    public byte[] Current()
    {
        var output = ChunkOutput();
        for (var i = _stack.Count - 1; i >= 0; i--)
        {
            output = ParentOutput(_stack[i], output.ChainingValue());
        }

        Span<uint> words = stackalloc uint[16];
        Compress(output.InputCv, output.Block, 0, output.BlockLength, output.Flags | Root, words);
        var hash = new byte[32];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(hash.AsSpan(i * 4), words[i]);
        }

        return hash;
    }

    /// <summary>The state for <see cref="Import"/>: the chunk count, the stack's chaining values, the unfinished chunk's bytes.</summary>
    public byte[] ExportState()
    {
        var state = new byte[8 + 1 + (_stack.Count * 32) + 2 + _chunkLength];
        BinaryPrimitives.WriteUInt64LittleEndian(state, _chunkCounter);
        state[8] = (byte)_stack.Count;
        var at = 9;
        foreach (var cv in _stack)
        {
            for (var i = 0; i < 8; i++, at += 4)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(state.AsSpan(at), cv[i]);
            }
        }

        BinaryPrimitives.WriteUInt16LittleEndian(state.AsSpan(at), (ushort)_chunkLength);
        _chunk.AsSpan(0, _chunkLength).CopyTo(state.AsSpan(at + 2));
        return state;
    }

    /// <summary>A hasher that goes on where the one that exported <paramref name="state"/> stood.</summary>
    /// <exception cref="FormatException">The state is not one <see cref="ExportState"/> wrote.</exception>
    public static ResumableBlake3 Import(ReadOnlySpan<byte> state)
    {
        if (state.Length < 11 || state.Length != 8 + 1 + (state[8] * 32) + 2 + BinaryPrimitives.ReadUInt16LittleEndian(state[(9 + (state[8] * 32))..]))
        {
            throw new FormatException("a saved BLAKE3 state does not have the layout ExportState writes");
        }

        var hasher = new ResumableBlake3 { _chunkCounter = BinaryPrimitives.ReadUInt64LittleEndian(state) };
        var count = state[8];
        // The stack holds one chaining value per set bit of the number of finished chunks.
        if (count != BitOperations.PopCount(hasher._chunkCounter))
        {
            throw new FormatException("a saved BLAKE3 state whose stack does not match its chunk count");
        }

        var at = 9;
        for (var s = 0; s < count; s++)
        {
            var cv = new uint[8];
            for (var i = 0; i < 8; i++, at += 4)
            {
                cv[i] = BinaryPrimitives.ReadUInt32LittleEndian(state[at..]);
            }

            hasher._stack.Add(cv);
        }

        var pending = BinaryPrimitives.ReadUInt16LittleEndian(state[at..]);
        if (pending > ChunkLength || (pending == 0 && hasher._chunkCounter > 0))
        {
            throw new FormatException("a saved BLAKE3 state with an unfinished chunk of impossible length");
        }

        hasher.UpdateChunk(state.Slice(at + 2, pending));
        return hasher;
    }

    private void StartChunk(ulong counter)
    {
        Iv.CopyTo(_chunkCv, 0);
        _chunkCounter = counter;
        _chunkLength = 0;
        _blocksCompressed = 0;
    }

    private void UpdateChunk(ReadOnlySpan<byte> data)
    {
        Span<uint> words = stackalloc uint[16];
        Span<uint> output = stackalloc uint[16];
        while (!data.IsEmpty)
        {
            // Blocks are compressed as soon as the next one begins: the chunk's last block gets CHUNK_END.
            var inBlock = _chunkLength - (_blocksCompressed * BlockLength);
            if (inBlock == BlockLength)
            {
                Words(_chunk.AsSpan(_blocksCompressed * BlockLength, BlockLength), words);
                Compress(_chunkCv, words, _chunkCounter, BlockLength, _blocksCompressed == 0 ? ChunkStart : 0, output);
                output[..8].CopyTo(_chunkCv);
                _blocksCompressed++;
                inBlock = 0;
            }

            var take = Math.Min(BlockLength - inBlock, data.Length);
            data[..take].CopyTo(_chunk.AsSpan(_chunkLength));
            _chunkLength += take;
            data = data[take..];
        }
    }

    private Output ChunkOutput()
    {
        var start = _blocksCompressed * BlockLength;
        var length = _chunkLength - start;
        Span<byte> block = stackalloc byte[BlockLength];
        block.Clear();
        _chunk.AsSpan(start, length).CopyTo(block);
        var words = new uint[16];
        Words(block, words);
        return new Output((uint[])_chunkCv.Clone(), words, _chunkCounter, (uint)length, ChunkEnd | (_blocksCompressed == 0 ? ChunkStart : 0));
    }

    private void AddChunkChainingValue(uint[] cv, ulong totalChunks)
    {
        // Merge every completed subtree: as many as there are trailing zero bits in the new chunk count.
        while ((totalChunks & 1) == 0)
        {
            var left = _stack[^1];
            _stack.RemoveAt(_stack.Count - 1);
            cv = ParentOutput(left, cv).ChainingValue();
            totalChunks >>= 1;
        }

        _stack.Add(cv);
    }

    private static Output ParentOutput(uint[] left, uint[] right)
    {
        var block = new uint[16];
        left.CopyTo(block, 0);
        right.CopyTo(block, 8);
        return new Output(Iv, block, 0, BlockLength, Parent);
    }

    private static void Words(ReadOnlySpan<byte> block, Span<uint> words)
    {
        for (var i = 0; i < 16; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        }
    }

    private static void Compress(ReadOnlySpan<uint> cv, ReadOnlySpan<uint> block, ulong counter, uint blockLength, uint flags, Span<uint> state)
    {
        Span<uint> m = stackalloc uint[16];
        Span<uint> permuted = stackalloc uint[16];
        block.CopyTo(m);
        cv.CopyTo(state);
        Iv.AsSpan(0, 4).CopyTo(state[8..]);
        state[12] = (uint)counter;
        state[13] = (uint)(counter >> 32);
        state[14] = blockLength;
        state[15] = flags;
        for (var round = 0; round < 7; round++)
        {
            G(state, 0, 4, 8, 12, m[0], m[1]);
            G(state, 1, 5, 9, 13, m[2], m[3]);
            G(state, 2, 6, 10, 14, m[4], m[5]);
            G(state, 3, 7, 11, 15, m[6], m[7]);
            G(state, 0, 5, 10, 15, m[8], m[9]);
            G(state, 1, 6, 11, 12, m[10], m[11]);
            G(state, 2, 7, 8, 13, m[12], m[13]);
            G(state, 3, 4, 9, 14, m[14], m[15]);
            for (var i = 0; i < 16; i++)
            {
                permuted[i] = m[Permutation[i]];
            }

            permuted.CopyTo(m);
        }

        for (var i = 0; i < 8; i++)
        {
            state[i] ^= state[i + 8];
            state[i + 8] ^= cv[i];
        }
    }

    private static void G(Span<uint> s, int a, int b, int c, int d, uint mx, uint my)
    {
        s[a] = s[a] + s[b] + mx;
        s[d] = BitOperations.RotateRight(s[d] ^ s[a], 16);
        s[c] += s[d];
        s[b] = BitOperations.RotateRight(s[b] ^ s[c], 12);
        s[a] = s[a] + s[b] + my;
        s[d] = BitOperations.RotateRight(s[d] ^ s[a], 8);
        s[c] += s[d];
        s[b] = BitOperations.RotateRight(s[b] ^ s[c], 7);
    }

    /// <summary>A node not yet compressed into a chaining value: a chunk's last block, or a parent.</summary>
    private sealed record Output(uint[] InputCv, uint[] Block, ulong Counter, uint BlockLength, uint Flags)
    {
        public uint[] ChainingValue()
        {
            Span<uint> state = stackalloc uint[16];
            Compress(InputCv, Block, Counter, BlockLength, Flags, state);
            return state[..8].ToArray();
        }
    }
}
