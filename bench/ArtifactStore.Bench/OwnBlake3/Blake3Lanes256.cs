using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>Eight BLAKE3 inputs at once in AVX2 registers.</summary>
internal readonly unsafe struct Blake3Lanes256 : IBlake3Lanes<Vector256<uint>>
{
    public static int Lanes => 8;

    // The transpose uses AVX2 unpack/permute instructions, so AVX2 itself is the requirement.
    public static bool IsSupported => Avx2.IsSupported;

    // pshufb masks that rotate each 32-bit lane right by 16 and by 8 bits: one instruction instead of three.
    private static Vector256<byte> Rotate16Mask => Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);

    private static Vector256<byte> Rotate8Mask => Vector256.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Broadcast(uint value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Load(uint* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<uint> value, uint* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Add(Vector256<uint> left, Vector256<uint> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Xor(Vector256<uint> left, Vector256<uint> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> RotateRight16(Vector256<uint> value) =>
        Avx512F.VL.IsSupported
            ? Avx512F.VL.RotateRight(value, 16)
            : Avx2.Shuffle(value.AsByte(), Rotate16Mask).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> RotateRight12(Vector256<uint> value) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(value, 12) : (value >>> 12) | (value << 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> RotateRight8(Vector256<uint> value) =>
        Avx512F.VL.IsSupported
            ? Avx512F.VL.RotateRight(value, 8)
            : Avx2.Shuffle(value.AsByte(), Rotate8Mask).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> RotateRight7(Vector256<uint> value) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(value, 7) : (value >>> 7) | (value << 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadTransposed(byte* block, int stride, Vector256<uint>* words)
    {
        // Words 0..7 of each input, then words 8..15, each an 8x8 transpose.
        Transpose(block, stride, words);
        Transpose(block + 32, stride, words + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(byte* source, int stride, Vector256<uint>* destination)
    {
        var r0 = Vector256.Load((uint*)source);
        var r1 = Vector256.Load((uint*)(source + stride));
        var r2 = Vector256.Load((uint*)(source + (2 * stride)));
        var r3 = Vector256.Load((uint*)(source + (3 * stride)));
        var r4 = Vector256.Load((uint*)(source + (4 * stride)));
        var r5 = Vector256.Load((uint*)(source + (5 * stride)));
        var r6 = Vector256.Load((uint*)(source + (6 * stride)));
        var r7 = Vector256.Load((uint*)(source + (7 * stride)));

        // Interleave 32-bit words of row pairs, then 64-bit pairs, within each 128-bit half...
        var t0 = Avx2.UnpackLow(r0, r1);
        var t1 = Avx2.UnpackHigh(r0, r1);
        var t2 = Avx2.UnpackLow(r2, r3);
        var t3 = Avx2.UnpackHigh(r2, r3);
        var t4 = Avx2.UnpackLow(r4, r5);
        var t5 = Avx2.UnpackHigh(r4, r5);
        var t6 = Avx2.UnpackLow(r6, r7);
        var t7 = Avx2.UnpackHigh(r6, r7);
        var u0 = Avx2.UnpackLow(t0.AsUInt64(), t2.AsUInt64()).AsUInt32();
        var u1 = Avx2.UnpackHigh(t0.AsUInt64(), t2.AsUInt64()).AsUInt32();
        var u2 = Avx2.UnpackLow(t1.AsUInt64(), t3.AsUInt64()).AsUInt32();
        var u3 = Avx2.UnpackHigh(t1.AsUInt64(), t3.AsUInt64()).AsUInt32();
        var u4 = Avx2.UnpackLow(t4.AsUInt64(), t6.AsUInt64()).AsUInt32();
        var u5 = Avx2.UnpackHigh(t4.AsUInt64(), t6.AsUInt64()).AsUInt32();
        var u6 = Avx2.UnpackLow(t5.AsUInt64(), t7.AsUInt64()).AsUInt32();
        var u7 = Avx2.UnpackHigh(t5.AsUInt64(), t7.AsUInt64()).AsUInt32();

        // ...then join the halves: rows 0-3 from the u0-u3 group, rows 4-7 from u4-u7.
        destination[0] = Avx2.Permute2x128(u0, u4, 0x20);
        destination[1] = Avx2.Permute2x128(u1, u5, 0x20);
        destination[2] = Avx2.Permute2x128(u2, u6, 0x20);
        destination[3] = Avx2.Permute2x128(u3, u7, 0x20);
        destination[4] = Avx2.Permute2x128(u0, u4, 0x31);
        destination[5] = Avx2.Permute2x128(u1, u5, 0x31);
        destination[6] = Avx2.Permute2x128(u2, u6, 0x31);
        destination[7] = Avx2.Permute2x128(u3, u7, 0x31);
    }
}
