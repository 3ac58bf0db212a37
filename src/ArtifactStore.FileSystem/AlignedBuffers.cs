using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ArtifactStore.FileSystem;

/// <summary>
/// The staging pipeline's chunk buffers: 1 MiB windows aligned to 4 KiB, as <c>O_DIRECT</c> writes need
/// (<see cref="DirectWrites"/>). Each is a pinned array (it never moves), so the aligned window's start is
/// computed once. At most <see cref="MaxRetained"/> free buffers are kept; the rest go back to the GC, so
/// a burst of concurrent uploads does not hold its memory afterwards.
/// </summary>
internal static class AlignedBuffers
{
    public const int Size = StagingPipeline.ChunkSize;
    public const int Alignment = 4096;

    private const int MaxRetained = 32;
    private static readonly ConcurrentQueue<AlignedBuffer> Free = new();
    private static int _retained;

    public static AlignedBuffer Rent()
    {
        if (Free.TryDequeue(out var buffer))
        {
            Interlocked.Decrement(ref _retained);
            return buffer;
        }

        return new AlignedBuffer();
    }

    public static void Return(AlignedBuffer buffer)
    {
        if (Interlocked.Increment(ref _retained) <= MaxRetained)
        {
            Free.Enqueue(buffer);
        }
        else
        {
            Interlocked.Decrement(ref _retained);
        }
    }
}

/// <summary>One 4 KiB-aligned window of <see cref="AlignedBuffers.Size"/> bytes inside a pinned array.</summary>
internal sealed class AlignedBuffer
{
    private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(AlignedBuffers.Size + AlignedBuffers.Alignment, pinned: true);
    private readonly int _start;

    public AlignedBuffer()
    {
        // A pinned array's address is fixed for its lifetime; the handle is only needed to read it.
        var handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        var address = handle.AddrOfPinnedObject();
        handle.Free();
        _start = (int)((AlignedBuffers.Alignment - (address % AlignedBuffers.Alignment)) % AlignedBuffers.Alignment);
    }

    public Memory<byte> Memory => _array.AsMemory(_start, AlignedBuffers.Size);

    public Span<byte> Span => _array.AsSpan(_start, AlignedBuffers.Size);
}
