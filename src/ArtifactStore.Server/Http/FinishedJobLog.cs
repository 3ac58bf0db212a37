using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Server.Hosting;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Where a finished job's log lives once the live log is gone (docs/jobs.md, "Logs"): <c>logs/run.log</c> in its
/// output package, or in its log package when it failed. Read by the API's log endpoint and the dashboard alike.
/// </summary>
public static class FinishedJobLog
{
    public const string PathInPackage = "logs/run.log";

    /// <summary>The log opened for random access, or null when the job stored none (or its package is gone).</summary>
    public static async Task<Result<ReadableBlob>?> OpenAsync(StoreRuntime store, JobView job, CancellationToken cancellationToken)
    {
        if ((job.OutputPackageId ?? job.LogPackageId) is not { } packageId ||
            await store.Packages.GetAsync(packageId, cancellationToken) is not { IsSuccess: true } package ||
            package.Value.Files.FirstOrDefault(f => f.Path == PathInPackage) is not { } file)
        {
            return null;
        }

        return await store.BlobReader.OpenAsync(file.Sha256, file.Size, needRandomAccess: true, cancellationToken);
    }
}
