using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Core.Storage;

/// <summary>What a unit of work may do. Valid only inside <see cref="IStoreDatabase.WriteAsync{T}"/>.</summary>
public interface IStoreWriter
{
    /// <summary>The time this unit of work records as <c>occurred_at</c> for its events (milliseconds, UTC).</summary>
    DateTimeOffset Now { get; }

    /// <summary>
    /// Appends an event at the next position (gapless), links it into the hash chain and applies it
    /// to the views, all within this unit of work.
    /// </summary>
    Task<EventRecord> AppendAsync(NewEvent newEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Appends an event another store recorded, exactly as it is (its seq, time, actor, payload and
    /// hashes), and applies it to the views like any other: what <c>copy-store</c> does, so that the
    /// chain verifies on the target (docs/recovery.md, "copy-store"). The record must continue this
    /// log (<see cref="EventChain.ContinuationProblem"/>); otherwise nothing is appended and
    /// <see cref="InvalidDataException"/> is thrown, which fails the unit of work.
    /// </summary>
    Task AppendCopiedAsync(EventRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="flush"/> after this unit of work and before its commit, and only if the
    /// unit is kept. Units committed together run their flushes once all of them have run (the same
    /// flush registered by several units runs once), so they share its cost; if a flush throws,
    /// nothing of the group commits.
    /// </summary>
    void BeforeCommit(Func<CancellationToken, Task> flush);

    /// <summary>The blob's row, or null when no row exists.</summary>
    Task<BlobRow?> GetBlobAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a small blob's bytes inline (<see cref="StagedBlob.InlineBytes"/>), in this unit of work, unless
    /// inline bytes are already stored at its digest. They become durable with the unit's commit, together
    /// with the events that reference them (docs/upload.md, "Small blobs").
    /// </summary>
    Task PutInlineBlobAsync(StagedBlob blob, CancellationToken cancellationToken);

    /// <summary>Removes the inline bytes stored at <paramref name="digest"/>: their length, or null when there were none.</summary>
    Task<long?> DeleteInlineBlobAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>The package as this unit of work sees it (its own appends included), or null.</summary>
    Task<PackageView?> GetPackageAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a blob row to another GC state without an event (the <c>deleting</c> mark of the reaper,
    /// docs/gc.md, reaper step 1; the event that records the outcome follows once the bytes are gone).
    /// </summary>
    Task SetBlobStateAsync(BlobDigest digest, BlobState state, CancellationToken cancellationToken);

    /// <summary>The record for (scope, key), or null. Expired records are returned too; callers decide.</summary>
    Task<IdempotencyRecord?> GetIdempotencyAsync(string scope, string key, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the record for (record.Scope, record.Key).</summary>
    Task PutIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken);

    /// <summary>Removes the record for (scope, key) if present.</summary>
    Task DeleteIdempotencyAsync(string scope, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Removes up to <paramref name="limit"/> <em>completed</em> records that expired before
    /// <paramref name="expiredBefore"/>, oldest first, and answers how many it removed. Claims in progress are
    /// never removed here, whatever their expiry (docs/upload.md, "Idempotency").
    /// </summary>
    Task<int> PurgeIdempotencyAsync(DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken);

    /// <summary>The job as this unit of work sees it, or null.</summary>
    Task<JobView?> GetJobAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The queued job of one of <paramref name="types"/> whose backoff ended first (at or before <paramref name="now"/>), or null.</summary>
    Task<JobView?> NextQueuedJobAsync(DateTimeOffset now, IReadOnlyCollection<string> types, CancellationToken cancellationToken);

    /// <summary>The lease on a job, or null.</summary>
    Task<JobLease?> GetJobLeaseAsync(Guid jobId, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the lease on <c>lease.JobId</c>.</summary>
    Task PutJobLeaseAsync(JobLease lease, CancellationToken cancellationToken);

    /// <summary>Removes the lease on a job if there is one.</summary>
    Task DeleteJobLeaseAsync(Guid jobId, CancellationToken cancellationToken);

    /// <summary>The lease on the store-wide task <paramref name="name"/> (see <see cref="MaintenanceLease"/>), expired or not; null when none.</summary>
    Task<MaintenanceLease?> GetMaintenanceLeaseAsync(string name, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the lease on <c>lease.Name</c>. Whether the caller may is decided before, in the same unit of work.</summary>
    Task PutMaintenanceLeaseAsync(MaintenanceLease lease, CancellationToken cancellationToken);

    /// <summary>Removes the lease on <paramref name="name"/> if there is one.</summary>
    Task DeleteMaintenanceLeaseAsync(string name, CancellationToken cancellationToken);
}
