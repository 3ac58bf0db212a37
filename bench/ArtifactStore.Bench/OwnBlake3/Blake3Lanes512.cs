using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>Sixteen BLAKE3 inputs at once in AVX-512 registers.</summary>
internal readonly unsafe struct Blake3Lanes512 : IBlake3Lanes<Vector512<uint>>
{
    public static int Lanes => 16;

    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Broadcast(uint value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Load(uint* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<uint> value, uint* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Add(Vector512<uint> left, Vector512<uint> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Xor(Vector512<uint> left, Vector512<uint> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> RotateRight16(Vector512<uint> value) => Avx512F.RotateRight(value, 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> RotateRight12(Vector512<uint> value) => Avx512F.RotateRight(value, 12);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> RotateRight8(Vector512<uint> value) => Avx512F.RotateRight(value, 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> RotateRight7(Vector512<uint> value) => Avx512F.RotateRight(value, 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadTransposed(byte* block, int stride, Vector512<uint>* words)
    {
        // A 16x16 transpose: row j is input j's whole block.
        var t = stackalloc Vector512<uint>[16];
        for (var k = 0; k < 8; k++)
        {
            var even = Vector512.Load((uint*)(block + (2 * k * stride)));
            var odd = Vector512.Load((uint*)(block + (((2 * k) + 1) * stride)));
            t[2 * k] = Avx512F.UnpackLow(even, odd);
            t[(2 * k) + 1] = Avx512F.UnpackHigh(even, odd);
        }

        // u[4k + c] holds, in its 128-bit lane L, rows 4k..4k+3 of word 4L + c.
        var u = stackalloc Vector512<uint>[16];
        for (var k = 0; k < 4; k++)
        {
            var a = t[4 * k].AsUInt64();
            var b = t[(4 * k) + 1].AsUInt64();
            var c = t[(4 * k) + 2].AsUInt64();
            var d = t[(4 * k) + 3].AsUInt64();
            u[4 * k] = Avx512F.UnpackLow(a, c).AsUInt32();
            u[(4 * k) + 1] = Avx512F.UnpackHigh(a, c).AsUInt32();
            u[(4 * k) + 2] = Avx512F.UnpackLow(b, d).AsUInt32();
            u[(4 * k) + 3] = Avx512F.UnpackHigh(b, d).AsUInt32();
        }

        // Gather 128-bit lane L of u[c], u[4+c], u[8+c], u[12+c] into word 4L + c.
        for (var c = 0; c < 4; c++)
        {
            var x0 = Avx512F.Shuffle4x128(u[c], u[4 + c], 0x44);
            var x1 = Avx512F.Shuffle4x128(u[c], u[4 + c], 0xEE);
            var y0 = Avx512F.Shuffle4x128(u[8 + c], u[12 + c], 0x44);
            var y1 = Avx512F.Shuffle4x128(u[8 + c], u[12 + c], 0xEE);
            words[c] = Avx512F.Shuffle4x128(x0, y0, 0x88);
            words[4 + c] = Avx512F.Shuffle4x128(x0, y0, 0xDD);
            words[8 + c] = Avx512F.Shuffle4x128(x1, y1, 0x88);
            words[12 + c] = Avx512F.Shuffle4x128(x1, y1, 0xDD);
        }
    }
}
