using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Uploads;

namespace ArtifactStore.Core.Storage;

/// <summary>An opened store: its database (initialized, owned by the caller), its blobs and the live job logs.</summary>
public sealed record StoreParts(IStoreDatabase Database, IBlobStore Blobs, IJobLogStore JobLogs)
{
    /// <summary>
    /// Readiness checks of the backend's own, run after <c>database</c> and <c>blob_store</c> (the scale-out
    /// backend's <c>store_identity</c>: the lane of the database and of the bucket).
    /// </summary>
    public IReadOnlyList<Func<CancellationToken, Task<HealthCheck>>> Checks { get; init; } = [];

    /// <summary>
    /// True when no other process can change the store's database while this one has it open (the embedded
    /// backend, by the root lock). Only then may the server keep in memory what only a deletion changes, such as
    /// the file-lookup cache of downloads: a deletion by another process would not reach it.
    /// </summary>
    public bool SingleProcess { get; init; }

    /// <summary>
    /// The store's id when the backend keeps the store outside the data root and names it itself (the scale-out
    /// backend's <c>store_identity</c>, one id for every replica of the store); null: the store is the data root's,
    /// and its marker's id is the store's.
    /// </summary>
    public string? StoreId { get; init; }

    /// <summary>Where resumable upload sessions live (docs/upload.md, "Upload sessions"); null when the backend keeps none.</summary>
    public IUploadSessionStore? Uploads { get; init; }
}
