using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;

namespace ArtifactStore.Core.Storage;

/// <summary>An opened store: its database (initialized, owned by the caller), its blobs and the live job logs.</summary>
public sealed record StoreParts(IStoreDatabase Database, IBlobStore Blobs, IJobLogStore JobLogs);
