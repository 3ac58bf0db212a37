using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>Four BLAKE3 inputs at once in 128-bit registers (SSE on x64, AdvSimd on Arm).</summary>
internal readonly unsafe struct Blake3Lanes128 : IBlake3Lanes<Vector128<uint>>
{
    public static int Lanes => 4;

    public static bool IsSupported => Vector128.IsHardwareAccelerated;

    private static Vector128<byte> Rotate16Mask => Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);

    private static Vector128<byte> Rotate8Mask => Vector128.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Broadcast(uint value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Load(uint* source) => Vector128.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<uint> value, uint* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Add(Vector128<uint> left, Vector128<uint> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Xor(Vector128<uint> left, Vector128<uint> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> RotateRight16(Vector128<uint> value) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(value, 16)
        : Ssse3.IsSupported ? Ssse3.Shuffle(value.AsByte(), Rotate16Mask).AsUInt32()
        : (value >>> 16) | (value << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> RotateRight12(Vector128<uint> value) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(value, 12) : (value >>> 12) | (value << 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> RotateRight8(Vector128<uint> value) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(value, 8)
        : Ssse3.IsSupported ? Ssse3.Shuffle(value.AsByte(), Rotate8Mask).AsUInt32()
        : (value >>> 8) | (value << 24);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> RotateRight7(Vector128<uint> value) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(value, 7) : (value >>> 7) | (value << 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadTransposed(byte* block, int stride, Vector128<uint>* words)
    {
        // Four 4x4 transposes, one per group of four message words.
        for (var group = 0; group < 4; group++)
        {
            var source = block + (group * 16);
            var r0 = Vector128.Load((uint*)source);
            var r1 = Vector128.Load((uint*)(source + stride));
            var r2 = Vector128.Load((uint*)(source + (2 * stride)));
            var r3 = Vector128.Load((uint*)(source + (3 * stride)));
            var destination = words + (group * 4);
            if (Sse2.IsSupported)
            {
                var t0 = Sse2.UnpackLow(r0, r1);
                var t1 = Sse2.UnpackHigh(r0, r1);
                var t2 = Sse2.UnpackLow(r2, r3);
                var t3 = Sse2.UnpackHigh(r2, r3);
                destination[0] = Sse2.UnpackLow(t0.AsUInt64(), t2.AsUInt64()).AsUInt32();
                destination[1] = Sse2.UnpackHigh(t0.AsUInt64(), t2.AsUInt64()).AsUInt32();
                destination[2] = Sse2.UnpackLow(t1.AsUInt64(), t3.AsUInt64()).AsUInt32();
                destination[3] = Sse2.UnpackHigh(t1.AsUInt64(), t3.AsUInt64()).AsUInt32();
            }
            else
            {
                for (var i = 0; i < 4; i++)
                {
                    destination[i] = Vector128.Create(r0.GetElement(i), r1.GetElement(i), r2.GetElement(i), r3.GetElement(i));
                }
            }
        }
    }
}
