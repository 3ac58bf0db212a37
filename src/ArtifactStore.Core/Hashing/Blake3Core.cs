using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ArtifactStore.Core.Hashing;

/// <summary>
/// BLAKE3's constants and its compression function, written plainly after the specification.
/// This scalar code is the reference the vectorised kernels are tested against.
/// </summary>
internal static class Blake3Core
{
    public const int BlockLength = 64;
    public const int ChunkLength = 1024;
    public const int KeyLength = 32;
    public const int OutputLength = 32;

    public const uint ChunkStart = 1 << 0;
    public const uint ChunkEnd = 1 << 1;
    public const uint Parent = 1 << 2;
    public const uint Root = 1 << 3;
    public const uint KeyedHash = 1 << 4;
    public const uint DeriveKeyContext = 1 << 5;
    public const uint DeriveKeyMaterial = 1 << 6;

    public const uint Iv0 = 0x6A09E667;
    public const uint Iv1 = 0xBB67AE85;
    public const uint Iv2 = 0x3C6EF372;
    public const uint Iv3 = 0xA54FF53A;

    /// <summary>The IV, which is also the key of unkeyed hashing.</summary>
    public static ReadOnlySpan<uint> Iv => [Iv0, Iv1, Iv2, Iv3, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];

    /// <summary>The message permutation applied between rounds.</summary>
    public static ReadOnlySpan<byte> Permutation => [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

    /// <summary>
    /// Which message word each round reads, row r being <see cref="Permutation"/> applied r times;
    /// precomputed so rounds index words instead of shuffling them.
    /// </summary>
    public static ReadOnlySpan<byte> Schedule =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8,
        3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1,
        10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6,
        12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4,
        9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7,
        11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13,
    ];

    /// <summary>
    /// The compression function: mixes <paramref name="block"/> into chaining value <paramref name="cv"/>
    /// and writes all 16 output words (the first 8 are the new chaining value; all 16 feed the XOF).
    /// <paramref name="output"/> may overlap <paramref name="block"/>: the block is read in full first.
    /// </summary>
    public static void Compress(ReadOnlySpan<uint> cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags, Span<uint> output)
    {
        Span<uint> m = stackalloc uint[16];
        for (var i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        }

        Span<uint> v = stackalloc uint[16];
        cv[..8].CopyTo(v);
        Iv[..4].CopyTo(v[8..]);
        v[12] = (uint)counter;
        v[13] = (uint)(counter >> 32);
        v[14] = blockLength;
        v[15] = flags;

        var schedule = Schedule;
        for (var round = 0; round < 7; round++)
        {
            var s = schedule.Slice(round * 16, 16);

            // Columns, then diagonals.
            G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }

        for (var i = 0; i < 8; i++)
        {
            output[i] = v[i] ^ v[i + 8];
            output[i + 8] = v[i + 8] ^ cv[i];
        }
    }

    /// <summary>Compresses and keeps only the new chaining value.</summary>
    public static void CompressCv(ReadOnlySpan<uint> cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags, Span<uint> newCv)
    {
        Span<uint> output = stackalloc uint[16];
        Compress(cv, block, counter, blockLength, flags, output);
        output[..8].CopyTo(newCv);
    }

    /// <summary>Writes 8 words little-endian, the byte form of a chaining value.</summary>
    public static void WordsToBytes(ReadOnlySpan<uint> words, Span<byte> bytes)
    {
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes[(i * 4)..], words[i]);
        }
    }

    /// <summary>Reads little-endian words, as keys and chaining values are stored.</summary>
    public static void BytesToWords(ReadOnlySpan<byte> bytes, Span<uint> words)
    {
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(Span<uint> v, int a, int b, int c, int d, uint mx, uint my)
    {
        v[a] = v[a] + v[b] + mx;
        v[d] = uint.RotateRight(v[d] ^ v[a], 16);
        v[c] = v[c] + v[d];
        v[b] = uint.RotateRight(v[b] ^ v[c], 12);
        v[a] = v[a] + v[b] + my;
        v[d] = uint.RotateRight(v[d] ^ v[a], 8);
        v[c] = v[c] + v[d];
        v[b] = uint.RotateRight(v[b] ^ v[c], 7);
    }
}
