namespace ArtifactStore.Core.Blobs;

/// <summary>What <see cref="IBlobStore.PublishAsync"/> did. Both outcomes leave the bytes durable at their address.</summary>
public enum BlobPublishOutcome
{
    /// <summary>The staged copy was moved into place.</summary>
    Published,

    /// <summary>The address already held these bytes; the staged copy was dropped (deduplication).</summary>
    AlreadyExists,
}
