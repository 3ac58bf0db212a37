namespace ArtifactStore.Core.Blobs;

/// <summary>An open blob: a seekable stream and its length. The caller disposes it.</summary>
/// <param name="Stream">Readable, seekable stream positioned at 0.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="Version">Changes whenever the stored bytes are replaced (the filesystem uses the modification time); lets callers cache verification.</param>
public sealed record BlobContent(Stream Stream, long Length, long Version) : IDisposable, IAsyncDisposable
{
    public void Dispose() => Stream.Dispose();

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
