using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Gc;

/// <summary>A blob whose bytes GC deleted, with the bytes freed.</summary>
public sealed record GcBlob(BlobDigest Digest, long Bytes);
