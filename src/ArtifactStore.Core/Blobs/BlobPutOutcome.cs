namespace ArtifactStore.Core.Blobs;

/// <summary>What <see cref="IBlobStore.PutAsync"/> did. Both outcomes leave the bytes durable at their address.</summary>
public enum BlobPutOutcome
{
    /// <summary>The address was empty; the staged bytes are there now.</summary>
    Stored,

    /// <summary>The address already held these bytes (deduplication).</summary>
    AlreadyExists,
}
