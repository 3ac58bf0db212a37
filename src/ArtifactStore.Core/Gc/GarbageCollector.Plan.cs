using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Core.Gc;

public sealed partial class GarbageCollector
{
    /// <summary>
    /// The dry run: the same decisions as <see cref="RunAsync"/>, taken on the current state with
    /// reference counts decremented in memory, and sizes read from the blob store. Writes nothing.
    /// </summary>
    private async Task<GcReport> PlanAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var refCounts = new Dictionary<BlobDigest, long>();
        var packages = new List<GcPackage>();
        var released = new List<BlobDigest>();
        foreach (var id in await database.Views.FindEligibleAsync(cancellationToken))
        {
            var package = await database.Views.GetPackageAsync(id, cancellationToken);
            if (package is not { State: PackageState.Live } || !package.Retention.IsDeletable(now))
            {
                continue;
            }

            long bytes = 0;
            foreach (var digest in ReferencedBlobs(package))
            {
                if (!refCounts.TryGetValue(digest, out var count))
                {
                    count = (await database.Views.GetBlobAsync(digest, cancellationToken))?.RefCount ?? 0;
                }

                refCounts[digest] = --count;
                if (count == 0)
                {
                    released.Add(digest);
                    bytes += (await blobs.StatAsync(digest, cancellationToken))?.Length ?? 0;
                }
            }

            packages.Add(new GcPackage(id, package.Name, bytes));
        }

        var cutoff = now - options.BlobGracePeriod;
        var reaped = new List<GcBlob>();
        var existing = await database.Views.FindReapableBlobsAsync(cutoff, cancellationToken);
        var newlyCondemned = cutoff >= now ? released : [];
        foreach (var digest in existing.Select(r => r.Digest).Concat(newlyCondemned).Distinct().OrderBy(d => d.Hex, StringComparer.Ordinal))
        {
            reaped.Add(new GcBlob(digest, (await blobs.StatAsync(digest, cancellationToken))?.Length ?? 0));
        }

        var orphans = (await FindOrphansAsync(cutoff, cancellationToken)).Select(o => new GcBlob(o.Digest, o.Stat.Length)).ToList();
        var purged = (await database.Views.FindPurgeableTombstonesAsync(now - options.TombstoneRetention, cancellationToken)).ToList();
        var purgedJobs = await database.Views.FindPurgeableJobTombstonesAsync(now - options.TombstoneRetention, cancellationToken);
        var expiredUploads = uploads is null ? [] : (await uploads.FindExpiredAsync(now, cancellationToken)).Select(u => new GcUpload(u.Id, u.Offset)).ToList();
        var idempotency = await database.Views.CountPurgeableIdempotencyAsync(now - IdempotencyGate.PurgeMargin, cancellationToken);
        return new GcReport(now, DryRun: true, packages, reaped, orphans, purged)
        {
            JobTombstonesPurged = purgedJobs,
            UploadsExpired = expiredUploads,
            IdempotencyRecordsPurged = idempotency,
        };
    }
}
