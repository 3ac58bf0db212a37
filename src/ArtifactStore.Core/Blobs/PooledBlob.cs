using System.Buffers;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// A whole blob read into a pooled buffer and verified (<see cref="BlobReader.ReadSmallAsync"/>): the bytes a
/// small download sends in one write. Dispose it once the bytes are written; the buffer goes back to the pool.
/// </summary>
public sealed class PooledBlob : IDisposable
{
    private byte[]? _buffer;

    internal PooledBlob(byte[] buffer, int length)
    {
        _buffer = buffer;
        Bytes = buffer.AsMemory(0, length);
    }

    /// <summary>The verified bytes; not to be used after <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Bytes { get; private set; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            Bytes = ReadOnlyMemory<byte>.Empty;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
