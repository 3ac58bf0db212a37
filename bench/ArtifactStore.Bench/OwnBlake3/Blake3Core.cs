using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ArtifactStore.Bench.OwnBlake3;

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
        // Locals rather than arrays so the JIT keeps the whole state in registers.
        var m0 = BinaryPrimitives.ReadUInt32LittleEndian(block);
        var m1 = BinaryPrimitives.ReadUInt32LittleEndian(block[4..]);
        var m2 = BinaryPrimitives.ReadUInt32LittleEndian(block[8..]);
        var m3 = BinaryPrimitives.ReadUInt32LittleEndian(block[12..]);
        var m4 = BinaryPrimitives.ReadUInt32LittleEndian(block[16..]);
        var m5 = BinaryPrimitives.ReadUInt32LittleEndian(block[20..]);
        var m6 = BinaryPrimitives.ReadUInt32LittleEndian(block[24..]);
        var m7 = BinaryPrimitives.ReadUInt32LittleEndian(block[28..]);
        var m8 = BinaryPrimitives.ReadUInt32LittleEndian(block[32..]);
        var m9 = BinaryPrimitives.ReadUInt32LittleEndian(block[36..]);
        var m10 = BinaryPrimitives.ReadUInt32LittleEndian(block[40..]);
        var m11 = BinaryPrimitives.ReadUInt32LittleEndian(block[44..]);
        var m12 = BinaryPrimitives.ReadUInt32LittleEndian(block[48..]);
        var m13 = BinaryPrimitives.ReadUInt32LittleEndian(block[52..]);
        var m14 = BinaryPrimitives.ReadUInt32LittleEndian(block[56..]);
        var m15 = BinaryPrimitives.ReadUInt32LittleEndian(block[60..]);

        uint v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3], v4 = cv[4], v5 = cv[5], v6 = cv[6], v7 = cv[7];
        uint v8 = Iv0, v9 = Iv1, v10 = Iv2, v11 = Iv3;
        var v12 = (uint)counter;
        var v13 = (uint)(counter >> 32);
        var v14 = blockLength;
        var v15 = flags;

        for (var round = 0; round < 7; round++)
        {
            // Columns, then diagonals.
            G(ref v0, ref v4, ref v8, ref v12, m0, m1);
            G(ref v1, ref v5, ref v9, ref v13, m2, m3);
            G(ref v2, ref v6, ref v10, ref v14, m4, m5);
            G(ref v3, ref v7, ref v11, ref v15, m6, m7);
            G(ref v0, ref v5, ref v10, ref v15, m8, m9);
            G(ref v1, ref v6, ref v11, ref v12, m10, m11);
            G(ref v2, ref v7, ref v8, ref v13, m12, m13);
            G(ref v3, ref v4, ref v9, ref v14, m14, m15);

            // The message permutation (see Permutation), applied by renaming words between rounds.
            (m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15) =
                (m2, m6, m3, m10, m7, m0, m4, m13, m1, m11, m12, m5, m9, m14, m15, m8);
        }

        // Highest words first: they read cv, and output may be cv's own storage.
        output[15] = v15 ^ cv[7];
        output[14] = v14 ^ cv[6];
        output[13] = v13 ^ cv[5];
        output[12] = v12 ^ cv[4];
        output[11] = v11 ^ cv[3];
        output[10] = v10 ^ cv[2];
        output[9] = v9 ^ cv[1];
        output[8] = v8 ^ cv[0];
        output[7] = v7 ^ v15;
        output[6] = v6 ^ v14;
        output[5] = v5 ^ v13;
        output[4] = v4 ^ v12;
        output[3] = v3 ^ v11;
        output[2] = v2 ^ v10;
        output[1] = v1 ^ v9;
        output[0] = v0 ^ v8;
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
    private static void G(ref uint a, ref uint b, ref uint c, ref uint d, uint mx, uint my)
    {
        a = a + b + mx;
        d = uint.RotateRight(d ^ a, 16);
        c += d;
        b = uint.RotateRight(b ^ c, 12);
        a = a + b + my;
        d = uint.RotateRight(d ^ a, 8);
        c += d;
        b = uint.RotateRight(b ^ c, 7);
    }
}
