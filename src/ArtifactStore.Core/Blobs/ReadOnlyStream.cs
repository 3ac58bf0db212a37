using System.Buffers;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// The part every read-only stream of the store repeats: no writing, no length, no position and no seeking (a
/// seekable one overrides those), a flush that has nothing to do, and the array overloads of the reads passed to
/// their span and memory forms. A subclass reads into a span; its asynchronous read defaults to that read, so a
/// stream whose bytes are at hand (memory, a generator) writes only <see cref="Read(Span{byte})"/>. A stream that
/// can only read asynchronously (a request body, a network response) overrides <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>
/// and answers the synchronous read with <see cref="ReadBlocking"/>.
/// </summary>
public abstract class ReadOnlyStream : Stream
{
    public sealed override bool CanRead => true;

    public override bool CanSeek => false;

    public sealed override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public abstract override int Read(Span<byte> buffer);

    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public sealed override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    // Stream's other writes all end here.
    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>
    /// For a stream that reads only asynchronously: a synchronous read waits for <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>
    /// into a pooled buffer (a span cannot be awaited into) and copies what arrived.
    /// </summary>
    protected int ReadBlocking(Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
