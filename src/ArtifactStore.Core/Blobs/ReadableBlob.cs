namespace ArtifactStore.Core.Blobs;

/// <summary>
/// A blob ready to send. When <see cref="Verified"/> is false the stream verifies as it goes and
/// throws <see cref="BlobCorruptException"/> at its end on a mismatch; the stream is then not seekable.
/// </summary>
public sealed record ReadableBlob(Stream Stream, long Length, bool Verified) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
