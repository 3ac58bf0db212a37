namespace ArtifactStore.Core.Blobs;

/// <summary>A small blob kept inline in the database: its bytes and when they were stored.</summary>
public sealed record InlineBlob(byte[] Bytes, DateTimeOffset StoredAt);
