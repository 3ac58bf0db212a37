namespace ArtifactStore.Core.Blobs;

/// <summary>What the blob store knows about stored bytes: their length and when they were written.</summary>
public sealed record BlobStat(long Length, DateTimeOffset LastModified);
