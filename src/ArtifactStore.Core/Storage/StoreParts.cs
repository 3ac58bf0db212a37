using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Storage;

/// <summary>An opened store: its database (initialized, owned by the caller) and its blobs.</summary>
public sealed record StoreParts(IStoreDatabase Database, IBlobStore Blobs);
