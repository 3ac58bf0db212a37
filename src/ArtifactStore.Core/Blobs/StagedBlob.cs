namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Content that has been streamed into the blob store's staging area: durable, digested, but not
/// yet at its address. <see cref="IBlobStore.PutAsync"/> and then
/// <see cref="IBlobStore.DiscardAsync"/> must follow.
/// </summary>
/// <param name="Digest">SHA-256 address of the content.</param>
/// <param name="Blake3Hex">BLAKE3 digest (64 lowercase hex) computed in the same pass.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="StagingToken">Backend-specific handle of the staged copy (a temp path for the filesystem).</param>
public sealed record StagedBlob(BlobDigest Digest, string Blake3Hex, long Size, string StagingToken)
{
    /// <summary>
    /// The whole content, when it is small enough to be kept inline in the database
    /// (<see cref="InlineBlobStore"/>): such a blob has no staged file, is never put at a file
    /// address, and is written by the unit of work that references it (docs/upload.md, "Small blobs").
    /// </summary>
    public byte[]? InlineBytes { get; init; }
}
