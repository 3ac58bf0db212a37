using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// The memory pool Kestrel's connections read and write through, with 256 KiB blocks instead of Kestrel's own
/// 4 KiB. Kestrel receives into one block per <c>recv(2)</c>, so with 4 KiB blocks a 1 GiB upload took about
/// 262,000 receives, each with its pipe hand-off and thread-pool dispatch — most of the server's CPU per
/// uploaded byte (docs/performance.md, "Large uploads"). 64 KiB blocks took a sixteenth of that; 256 KiB blocks
/// cut the server's CPU per uploaded GiB by about another tenth (fewer receives, each with its ACK and wake-up;
/// docs/performance.md, "Large uploads: the receive block, and what else was tried"). A block is allocated
/// uninitialized, so a small request touches only the pages it fills.
/// A connection holds a block only while it has bytes in flight (Kestrel waits for data before it takes
/// one), and at most <see cref="MaxRetained"/> free blocks are kept, so idle memory stays bounded.
/// </summary>
internal sealed class ReceiveBufferPool : MemoryPool<byte>
{
    public const int BlockSize = 256 * 1024;

    // 16 MiB of free blocks at most; beyond that a returned block is left to the GC.
    private const int MaxRetained = 16 * 1024 * 1024 / BlockSize;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _retained;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _retained);
            return block;
        }

        return new Block(this);
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _retained) <= MaxRetained)
        {
            _free.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _retained);
        }
    }

    /// <summary>Kestrel's sockets and pipes pin their buffers: blocks live on the pinned object heap, so pinning costs nothing.</summary>
    private sealed class Block(ReceiveBufferPool pool) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true), 0, BlockSize);

        public void Dispose() => pool.Return(this);
    }

    /// <summary>Registered in place of Kestrel's factory; the socket transport takes its pool from it.</summary>
    internal sealed class Factory : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new ReceiveBufferPool();
    }
}
