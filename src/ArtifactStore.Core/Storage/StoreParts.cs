using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Uploads;

namespace ArtifactStore.Core.Storage;

/// <summary>An opened store: its database (initialized, owned by the caller), its blobs and the live job logs.</summary>
public sealed record StoreParts(IStoreDatabase Database, IBlobStore Blobs, IJobLogStore JobLogs)
{
    /// <summary>Where resumable upload sessions live (docs/upload.md, "Upload sessions"); null when the backend keeps none.</summary>
    public IUploadSessionStore? Uploads { get; init; }
}
