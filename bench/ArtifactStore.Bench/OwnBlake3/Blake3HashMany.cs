using System.Runtime.Intrinsics;

namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>
/// Spreads a run of independent inputs (whole chunks, or parent blocks) over the widest vector
/// kernel allowed, then narrower ones, finishing any leftovers with the scalar reference code.
/// </summary>
internal static unsafe class Blake3HashMany
{
    /// <summary>The widest back end this machine runs in hardware; wider requests are narrowed to it.</summary>
    public static Blake3Backend Widest { get; } =
        !BitConverter.IsLittleEndian ? Blake3Backend.Scalar // the kernels store words in native order
        : Blake3Lanes512.IsSupported ? Blake3Backend.Vector512
        : Blake3Lanes256.IsSupported ? Blake3Backend.Vector256
        : Blake3Lanes128.IsSupported ? Blake3Backend.Vector128
        : Blake3Backend.Scalar;

    /// <summary>
    /// The back end hashers use unless told otherwise: the widest, except that 512-bit lanes are not
    /// preferred over 256-bit ones. Measured on the AVX-512 build machine (256 MiB, one core), the
    /// 8-lane path ran at ~2.1 GB/s and the 16-lane one at ~1.9 GB/s: 512-bit rotates issue on one
    /// port where 256-bit ones (EVEX-encoded, via AVX-512VL) issue on two, and the clock drops.
    /// </summary>
    public static Blake3Backend Default { get; } = Widest == Blake3Backend.Vector512 ? Blake3Backend.Vector256 : Widest;

    /// <summary>
    /// Hashes <paramref name="count"/> inputs of <paramref name="blocks"/> blocks each, spaced
    /// <paramref name="stride"/> bytes apart, writing one 32-byte chaining value per input.
    /// </summary>
    public static void Hash(
        Blake3Backend backend, ReadOnlySpan<byte> input, int stride, int count, int blocks, ReadOnlySpan<uint> key,
        ulong counter, bool incrementCounter, uint flags, uint flagsStart, uint flagsEnd, Span<byte> output)
    {
        if (backend > Widest)
        {
            backend = Widest;
        }

        var done = 0;
        fixed (byte* inputPointer = input)
        fixed (uint* keyPointer = key)
        fixed (byte* outputPointer = output)
        {
            var job = new Job
            {
                Input = inputPointer, Stride = stride, Count = count, Blocks = blocks, Key = keyPointer, Counter = counter,
                IncrementCounter = incrementCounter, Flags = flags, FlagsStart = flagsStart, FlagsEnd = flagsEnd, Output = outputPointer,
            };
            done = Run<Blake3Lanes512, Vector512<uint>>(backend >= Blake3Backend.Vector512, job, done);
            done = Run<Blake3Lanes256, Vector256<uint>>(backend >= Blake3Backend.Vector256, job, done);
            done = Run<Blake3Lanes128, Vector128<uint>>(backend >= Blake3Backend.Vector128, job, done);
        }

        for (; done < count; done++)
        {
            HashOne(
                input.Slice(done * stride, blocks * Blake3Core.BlockLength), key,
                counter + (incrementCounter ? (ulong)done : 0), flags, flagsStart, flagsEnd,
                output.Slice(done * Blake3Core.OutputLength, Blake3Core.OutputLength));
        }
    }

    /// <summary>The scalar path: one input, block after block, through the reference compression.</summary>
    public static void HashOne(
        ReadOnlySpan<byte> input, ReadOnlySpan<uint> key, ulong counter, uint flags, uint flagsStart, uint flagsEnd, Span<byte> output)
    {
        Span<uint> cv = stackalloc uint[8];
        key[..8].CopyTo(cv);
        var blocks = input.Length / Blake3Core.BlockLength;
        for (var b = 0; b < blocks; b++)
        {
            var blockFlags = flags | (b == 0 ? flagsStart : 0) | (b == blocks - 1 ? flagsEnd : 0);
            Blake3Core.CompressCv(cv, input.Slice(b * Blake3Core.BlockLength, Blake3Core.BlockLength), counter, Blake3Core.BlockLength, blockFlags, cv);
        }

        Blake3Core.WordsToBytes(cv, output);
    }

    private static int Run<TLanes, TVector>(bool allowed, in Job job, int start)
        where TLanes : struct, IBlake3Lanes<TVector>
        where TVector : unmanaged
    {
        if (!allowed || !TLanes.IsSupported)
        {
            return start;
        }

        for (; job.Count - start >= TLanes.Lanes; start += TLanes.Lanes)
        {
            Blake3Kernel.HashMany<TLanes, TVector>(
                job.Input + ((long)start * job.Stride), job.Stride, job.Blocks, job.Key,
                job.Counter + (job.IncrementCounter ? (ulong)start : 0), job.IncrementCounter,
                job.Flags, job.FlagsStart, job.FlagsEnd, job.Output + (start * Blake3Core.OutputLength));
        }

        return start;
    }

    // The pointers and parameters of one Hash call, bundled so each width's loop can share them.
    private struct Job
    {
        public byte* Input;
        public int Stride;
        public int Count;
        public int Blocks;
        public uint* Key;
        public ulong Counter;
        public bool IncrementCounter;
        public uint Flags;
        public uint FlagsStart;
        public uint FlagsEnd;
        public byte* Output;
    }
}
