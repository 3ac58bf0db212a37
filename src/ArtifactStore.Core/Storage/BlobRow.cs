using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Storage;

/// <summary>The database's view of a blob: how many live packages reference it and its GC state (docs/gc.md).</summary>
public sealed record BlobRow(BlobDigest Digest, string Blake3Hex, long Size, long RefCount, BlobState State, DateTimeOffset? CondemnedAt);
