using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Tests.Blobs;

/// <summary>
/// The shared base of the store's read-only streams: every read overload reaches the subclass's read, a stream that
/// reads only asynchronously still answers a synchronous read, and nothing can be written, sized or sought.
/// </summary>
public sealed class ReadOnlyStreamTests
{
    private static readonly byte[] Content = "read-only stream content, read in small pieces"u8.ToArray();

    [Fact]
    public async Task a_stream_that_reads_spans_is_read_whole_through_every_overload()
    {
        Assert.Equal(Content, ReadWholeWithArrays(new SpanReader(Content)));
        Assert.Equal(Content, await ReadWholeAsync(new SpanReader(Content)));
    }

    [Fact]
    public async Task a_stream_that_reads_only_asynchronously_answers_synchronous_reads_too()
    {
        Assert.Equal(Content, ReadWholeWithArrays(new AsyncReader(Content)));
        Assert.Equal(Content, await ReadWholeAsync(new AsyncReader(Content)));

        using var copy = new MemoryStream();
        new AsyncReader(Content).CopyTo(copy); // Stream.CopyTo reads through the array overload
        Assert.Equal(Content, copy.ToArray());
    }

    [Fact]
    public async Task it_can_be_read_only()
    {
        using var stream = new SpanReader(Content);
        Assert.True(stream.CanRead);
        Assert.False(stream.CanWrite);
        Assert.False(stream.CanSeek);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Position);
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.SetLength(1));
        Assert.Throws<NotSupportedException>(() => stream.Write([1, 2], 0, 2));
        Assert.Throws<NotSupportedException>(() => stream.Write([1, 2]));
        Assert.Throws<NotSupportedException>(() => stream.WriteByte(1));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await stream.WriteAsync(new byte[] { 1, 2 }));
        stream.Flush();
        Assert.Equal(Content, await ReadWholeAsync(stream)); // nothing above changed what it reads
    }

    private static byte[] ReadWholeWithArrays(Stream stream)
    {
        using (stream)
        {
            var result = new List<byte>();
            var buffer = new byte[7];
            int read;
            while ((read = stream.Read(buffer, 1, 5)) > 0)
            {
                result.AddRange(buffer.AsSpan(1, read).ToArray());
            }

            return [.. result];
        }
    }

    private static async Task<byte[]> ReadWholeAsync(Stream stream)
    {
        await using (stream)
        {
            var result = new List<byte>();
            var buffer = new byte[5];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                result.AddRange(buffer.AsSpan(0, read).ToArray());
            }

            return [.. result];
        }
    }

    /// <summary>Hands out at most three bytes a read, synchronously.</summary>
    private sealed class SpanReader(byte[] content) : ReadOnlyStream
    {
        private int _position;

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(buffer.Length, 3), content.Length - _position);
            content.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }
    }

    /// <summary>Hands out at most three bytes a read, only after yielding, as a network body does.</summary>
    private sealed class AsyncReader(byte[] content) : ReadOnlyStream
    {
        private int _position;

        public override int Read(Span<byte> buffer) => ReadBlocking(buffer);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            var count = Math.Min(Math.Min(buffer.Length, 3), content.Length - _position);
            content.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }
    }
}
