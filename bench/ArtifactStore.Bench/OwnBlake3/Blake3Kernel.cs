using System.Runtime.CompilerServices;

namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>
/// BLAKE3's "hash many": compresses several independent inputs at once, one per vector lane, the way
/// the reference implementation's SIMD back ends do. Each input is <c>blocks</c> 64-byte blocks
/// (16 for a chunk, 1 for a parent node) and yields one 32-byte chaining value.
/// </summary>
internal static unsafe class Blake3Kernel
{
    /// <param name="input">The first input; input j starts at <c>input + j * stride</c>.</param>
    /// <param name="stride">Bytes between consecutive inputs (1024 for chunks, 64 for parents).</param>
    /// <param name="blocks">Blocks per input.</param>
    /// <param name="key">The 8 key words, the starting chaining value of every input.</param>
    /// <param name="counter">The counter of input 0.</param>
    /// <param name="incrementCounter">Whether input j uses counter + j (chunks) or all use counter (parents).</param>
    /// <param name="flags">Flags for every block.</param>
    /// <param name="flagsStart">Extra flags for the first block.</param>
    /// <param name="flagsEnd">Extra flags for the last block.</param>
    /// <param name="output">Receives the chaining values, 32 bytes per input, in input order.</param>
    [SkipLocalsInit]
    public static void HashMany<TLanes, TVector>(
        byte* input, int stride, int blocks, uint* key, ulong counter, bool incrementCounter,
        uint flags, uint flagsStart, uint flagsEnd, byte* output)
        where TLanes : struct, IBlake3Lanes<TVector>
        where TVector : unmanaged
    {
        var lanes = TLanes.Lanes;
        var scratch = stackalloc uint[16 * 8];
        for (var j = 0; j < lanes; j++)
        {
            var laneCounter = counter + (incrementCounter ? (ulong)j : 0);
            scratch[j] = (uint)laneCounter;
            scratch[16 + j] = (uint)(laneCounter >> 32);
        }

        var counterLow = TLanes.Load(scratch);
        var counterHigh = TLanes.Load(scratch + 16);
        var h0 = TLanes.Broadcast(key[0]);
        var h1 = TLanes.Broadcast(key[1]);
        var h2 = TLanes.Broadcast(key[2]);
        var h3 = TLanes.Broadcast(key[3]);
        var h4 = TLanes.Broadcast(key[4]);
        var h5 = TLanes.Broadcast(key[5]);
        var h6 = TLanes.Broadcast(key[6]);
        var h7 = TLanes.Broadcast(key[7]);
        var m = stackalloc TVector[16];
        ref var schedule = ref Unsafe.AsRef(in Blake3Core.Schedule[0]);

        for (var b = 0; b < blocks; b++)
        {
            var blockFlags = flags | (b == 0 ? flagsStart : 0) | (b == blocks - 1 ? flagsEnd : 0);
            TLanes.LoadTransposed(input + (b * Blake3Core.BlockLength), stride, m);

            TVector v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
            var v8 = TLanes.Broadcast(Blake3Core.Iv0);
            var v9 = TLanes.Broadcast(Blake3Core.Iv1);
            var v10 = TLanes.Broadcast(Blake3Core.Iv2);
            var v11 = TLanes.Broadcast(Blake3Core.Iv3);
            var v12 = counterLow;
            var v13 = counterHigh;
            var v14 = TLanes.Broadcast(Blake3Core.BlockLength);
            var v15 = TLanes.Broadcast(blockFlags);

            for (var round = 0; round < 7; round++)
            {
                ref var s = ref Unsafe.Add(ref schedule, round * 16);

                // The four column G functions, interleaved so independent lanes of work overlap.
                v0 = TLanes.Add(TLanes.Add(v0, v4), m[Unsafe.Add(ref s, 0)]);
                v1 = TLanes.Add(TLanes.Add(v1, v5), m[Unsafe.Add(ref s, 2)]);
                v2 = TLanes.Add(TLanes.Add(v2, v6), m[Unsafe.Add(ref s, 4)]);
                v3 = TLanes.Add(TLanes.Add(v3, v7), m[Unsafe.Add(ref s, 6)]);
                v12 = TLanes.RotateRight16(TLanes.Xor(v12, v0));
                v13 = TLanes.RotateRight16(TLanes.Xor(v13, v1));
                v14 = TLanes.RotateRight16(TLanes.Xor(v14, v2));
                v15 = TLanes.RotateRight16(TLanes.Xor(v15, v3));
                v8 = TLanes.Add(v8, v12);
                v9 = TLanes.Add(v9, v13);
                v10 = TLanes.Add(v10, v14);
                v11 = TLanes.Add(v11, v15);
                v4 = TLanes.RotateRight12(TLanes.Xor(v4, v8));
                v5 = TLanes.RotateRight12(TLanes.Xor(v5, v9));
                v6 = TLanes.RotateRight12(TLanes.Xor(v6, v10));
                v7 = TLanes.RotateRight12(TLanes.Xor(v7, v11));
                v0 = TLanes.Add(TLanes.Add(v0, v4), m[Unsafe.Add(ref s, 1)]);
                v1 = TLanes.Add(TLanes.Add(v1, v5), m[Unsafe.Add(ref s, 3)]);
                v2 = TLanes.Add(TLanes.Add(v2, v6), m[Unsafe.Add(ref s, 5)]);
                v3 = TLanes.Add(TLanes.Add(v3, v7), m[Unsafe.Add(ref s, 7)]);
                v12 = TLanes.RotateRight8(TLanes.Xor(v12, v0));
                v13 = TLanes.RotateRight8(TLanes.Xor(v13, v1));
                v14 = TLanes.RotateRight8(TLanes.Xor(v14, v2));
                v15 = TLanes.RotateRight8(TLanes.Xor(v15, v3));
                v8 = TLanes.Add(v8, v12);
                v9 = TLanes.Add(v9, v13);
                v10 = TLanes.Add(v10, v14);
                v11 = TLanes.Add(v11, v15);
                v4 = TLanes.RotateRight7(TLanes.Xor(v4, v8));
                v5 = TLanes.RotateRight7(TLanes.Xor(v5, v9));
                v6 = TLanes.RotateRight7(TLanes.Xor(v6, v10));
                v7 = TLanes.RotateRight7(TLanes.Xor(v7, v11));

                // The four diagonal G functions: (0,5,10,15), (1,6,11,12), (2,7,8,13), (3,4,9,14).
                v0 = TLanes.Add(TLanes.Add(v0, v5), m[Unsafe.Add(ref s, 8)]);
                v1 = TLanes.Add(TLanes.Add(v1, v6), m[Unsafe.Add(ref s, 10)]);
                v2 = TLanes.Add(TLanes.Add(v2, v7), m[Unsafe.Add(ref s, 12)]);
                v3 = TLanes.Add(TLanes.Add(v3, v4), m[Unsafe.Add(ref s, 14)]);
                v15 = TLanes.RotateRight16(TLanes.Xor(v15, v0));
                v12 = TLanes.RotateRight16(TLanes.Xor(v12, v1));
                v13 = TLanes.RotateRight16(TLanes.Xor(v13, v2));
                v14 = TLanes.RotateRight16(TLanes.Xor(v14, v3));
                v10 = TLanes.Add(v10, v15);
                v11 = TLanes.Add(v11, v12);
                v8 = TLanes.Add(v8, v13);
                v9 = TLanes.Add(v9, v14);
                v5 = TLanes.RotateRight12(TLanes.Xor(v5, v10));
                v6 = TLanes.RotateRight12(TLanes.Xor(v6, v11));
                v7 = TLanes.RotateRight12(TLanes.Xor(v7, v8));
                v4 = TLanes.RotateRight12(TLanes.Xor(v4, v9));
                v0 = TLanes.Add(TLanes.Add(v0, v5), m[Unsafe.Add(ref s, 9)]);
                v1 = TLanes.Add(TLanes.Add(v1, v6), m[Unsafe.Add(ref s, 11)]);
                v2 = TLanes.Add(TLanes.Add(v2, v7), m[Unsafe.Add(ref s, 13)]);
                v3 = TLanes.Add(TLanes.Add(v3, v4), m[Unsafe.Add(ref s, 15)]);
                v15 = TLanes.RotateRight8(TLanes.Xor(v15, v0));
                v12 = TLanes.RotateRight8(TLanes.Xor(v12, v1));
                v13 = TLanes.RotateRight8(TLanes.Xor(v13, v2));
                v14 = TLanes.RotateRight8(TLanes.Xor(v14, v3));
                v10 = TLanes.Add(v10, v15);
                v11 = TLanes.Add(v11, v12);
                v8 = TLanes.Add(v8, v13);
                v9 = TLanes.Add(v9, v14);
                v5 = TLanes.RotateRight7(TLanes.Xor(v5, v10));
                v6 = TLanes.RotateRight7(TLanes.Xor(v6, v11));
                v7 = TLanes.RotateRight7(TLanes.Xor(v7, v8));
                v4 = TLanes.RotateRight7(TLanes.Xor(v4, v9));
            }

            h0 = TLanes.Xor(v0, v8);
            h1 = TLanes.Xor(v1, v9);
            h2 = TLanes.Xor(v2, v10);
            h3 = TLanes.Xor(v3, v11);
            h4 = TLanes.Xor(v4, v12);
            h5 = TLanes.Xor(v5, v13);
            h6 = TLanes.Xor(v6, v14);
            h7 = TLanes.Xor(v7, v15);
        }

        // Un-transpose through memory: it runs once per input, so clarity wins over shuffles here.
        TLanes.Store(h0, scratch);
        TLanes.Store(h1, scratch + 16);
        TLanes.Store(h2, scratch + 32);
        TLanes.Store(h3, scratch + 48);
        TLanes.Store(h4, scratch + 64);
        TLanes.Store(h5, scratch + 80);
        TLanes.Store(h6, scratch + 96);
        TLanes.Store(h7, scratch + 112);
        var words = (uint*)output;
        for (var j = 0; j < lanes; j++)
        {
            for (var i = 0; i < 8; i++)
            {
                words[(j * 8) + i] = scratch[(i * 16) + j];
            }
        }
    }
}
