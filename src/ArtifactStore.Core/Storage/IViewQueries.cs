using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Security;

namespace ArtifactStore.Core.Storage;

/// <summary>Reads of the views. Each call sees one committed state.</summary>
public interface IViewQueries : IInlineBlobReader
{
    /// <summary>The package with its files, labels and retention state, or null when no such id was ever created.</summary>
    Task<PackageView?> GetPackageAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>A page of packages, newest first.</summary>
    Task<PackagePage> ListPackagesAsync(PackageQuery query, CancellationToken cancellationToken);

    /// <summary>Live packages and their bytes per retention class, and the live blobs (the dashboard's storage page).</summary>
    Task<StorageUsage> GetStorageUsageAsync(CancellationToken cancellationToken);

    /// <summary>The blob's row, or null.</summary>
    Task<BlobRow?> GetBlobAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> blob rows whose digest sorts after <paramref name="after"/> (from the
    /// first when null), in digest order: every row, whatever its state, a page at a time (copy-store).
    /// </summary>
    Task<IReadOnlyList<BlobRow>> ListBlobsAsync(BlobDigest? after, int limit, CancellationToken cancellationToken);

    /// <summary>Every completed idempotency record, expired or not (copy-store; in-progress claims belong to their process).</summary>
    Task<IReadOnlyList<IdempotencyRecord>> ListCompletedIdempotencyAsync(CancellationToken cancellationToken);

    /// <summary>How many completed idempotency records expired before <paramref name="expiredBefore"/> (what a GC would purge; its dry run).</summary>
    Task<long> CountPurgeableIdempotencyAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken);

    /// <summary>Position of the last event, 0 when the log is empty.</summary>
    Task<long> GetHeadSeqAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Live packages not yet marked eligible whose expiry is at or before <paramref name="asOf"/> and that
    /// have no active hold and no pin, ordered by expiry then id. Reads an index on expiry: the cost
    /// follows the number of expired packages, not the number stored.
    /// </summary>
    Task<IReadOnlyList<SweepItem>> FindNewlyDeletableAsync(DateTimeOffset asOf, CancellationToken cancellationToken);

    /// <summary>Live packages marked eligible for deletion, ordered by id.</summary>
    Task<IReadOnlyList<Guid>> FindEligibleAsync(CancellationToken cancellationToken);

    /// <summary>Blob rows the reaper should finish: <c>deleting</c> ones, and <c>condemned</c> ones condemned at or before the cutoff.</summary>
    Task<IReadOnlyList<BlobRow>> FindReapableBlobsAsync(DateTimeOffset condemnedBefore, CancellationToken cancellationToken);

    /// <summary>Tombstones of packages deleted at or before the cutoff, oldest first.</summary>
    Task<IReadOnlyList<Guid>> FindPurgeableTombstonesAsync(DateTimeOffset deletedBefore, CancellationToken cancellationToken);

    /// <summary>
    /// The package that tag <paramref name="tag"/> of OCI repository <paramref name="repository"/> names: its newest
    /// manifest push still recorded, live or a tombstone; null when there is none (docs/oci.md, "Tag and catalog views").
    /// </summary>
    Task<Guid?> FindOciTagAsync(string repository, string tag, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> tags of the repository that sort after <paramref name="after"/> (byte order), whose
    /// newest push is live and not marked eligible for deletion. Reads the repository's tags, not its pushes.
    /// </summary>
    Task<IReadOnlyList<string>> ListOciTagsAsync(string repository, string after, int limit, CancellationToken cancellationToken);

    /// <summary>Whether the OCI repository has a live manifest (marked eligible or not).</summary>
    Task<bool> HasOciManifestsAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> OCI repositories with a live manifest that sort after <paramref name="after"/>, in byte order (the catalog).</summary>
    Task<IReadOnlyList<string>> ListOciRepositoriesAsync(string after, int limit, CancellationToken cancellationToken);

    /// <summary>The token whose secret hashes to <paramref name="secretSha256"/>, revoked or not; null when none.</summary>
    Task<TokenRecord?> FindTokenAsync(string secretSha256, CancellationToken cancellationToken);

    /// <summary>Every token, active and revoked, oldest first.</summary>
    Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken);

    /// <summary>The job, or null when no such id was ever submitted (an expired job is returned with state <c>expired</c>).</summary>
    Task<JobView?> GetJobAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>A page of jobs, newest first.</summary>
    Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken);

    /// <summary>How many jobs are in each state (states with none are left out); read for the metrics.</summary>
    Task<IReadOnlyDictionary<string, long>> CountJobsByStateAsync(CancellationToken cancellationToken);

    /// <summary>Every job lease, whoever holds it.</summary>
    Task<IReadOnlyList<JobLease>> ListJobLeasesAsync(CancellationToken cancellationToken);

    /// <summary>Ids of jobs in state <c>running</c>, by id.</summary>
    Task<IReadOnlyList<Guid>> FindRunningJobsAsync(CancellationToken cancellationToken);

    /// <summary>Finished, unpinned jobs whose retention ended at or before <paramref name="asOf"/>, by expiry then id (index on expiry).</summary>
    Task<IReadOnlyList<Guid>> FindExpiredJobsAsync(DateTimeOffset asOf, CancellationToken cancellationToken);

    /// <summary>Tombstones of jobs that expired at or before the cutoff, oldest first.</summary>
    Task<IReadOnlyList<Guid>> FindPurgeableJobTombstonesAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken);
}
