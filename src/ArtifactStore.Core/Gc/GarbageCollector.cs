using System.Diagnostics;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Diagnostics;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Gc;

/// <summary>
/// Online garbage collection (docs/gc.md). Uploads, downloads and jobs continue while it runs. A run:
/// <list type="number">
/// <item>deletes each package the sweeper marked eligible and that is still deletable: a tombstone and
///   <c>v1.package.deleted</c>; blobs whose reference count reaches zero become <c>condemned</c>;</item>
/// <item>reaps blobs condemned longer than the grace period: mark <c>deleting</c> (unit of work), delete the
///   bytes, then record <c>v1.blob.reaped</c> and drop the row (unit of work). A crash between the steps
///   leaves a <c>deleting</c> row that the next run finishes; an upload meeting it waits and writes afresh;</item>
/// <item>removes orphaned bytes (no row, older than the grace period: left by uploads that never committed);</item>
/// <item>purges tombstones older than their retention;</item>
/// <item>purges completed idempotency records past their window and <see cref="IdempotencyGate.PurgeMargin"/>,
///   in batches (claims in progress are never purged).</item>
/// </list>
/// A dry run computes the same plan from the same state and changes nothing.
/// <para>
/// A run holds the <c>gc</c> lease in the database for its whole length (<see cref="MaintenanceLeaseHolder"/>),
/// so processes sharing a database never collect at once: a run that finds the lease held by another live
/// process answers <c>already_running</c>. Within one process a second run waits for the first (the local fast path).
/// </para>
/// </summary>
public sealed partial class GarbageCollector(
    IStoreDatabase database, IBlobStore blobs, TimeProvider time, GcOptions options, ProtocolHooks? hooks = null,
    MaintenanceRuns? runs = null, Uploads.UploadService? uploads = null, PackageFileCache? fileLookups = null) : IDisposable
{
    public const string ExpiredReason = "retention expired";
    private const int DeleteBatchSize = 200;

    /// <summary>Idempotency records purged per unit of work: each batch is short, so requests never wait long behind it.</summary>
    internal const int IdempotencyPurgeBatch = 500;
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly MaintenanceLeaseHolder _lease = new(database, time, MaintenanceLease.Gc);

    public void Dispose() => _running.Dispose();

    /// <summary>
    /// A run (or a dry run), or <c>already_running</c> when another process holds the <c>gc</c> lease. Each
    /// outcome is recorded in <see cref="MaintenanceRuns"/> when the store keeps one.
    /// </summary>
    public async Task<Result<GcReport>> RunAsync(bool dryRun, string actor, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var outcome = await RunOnceAsync(dryRun, actor, cancellationToken);
        runs?.RecordCollection(started, time.GetUtcNow(), actor, dryRun, outcome);
        return outcome;
    }

    private async Task<Result<GcReport>> RunOnceAsync(bool dryRun, string actor, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var startedAt = Time.Rfc3339.Truncate(time.GetUtcNow());
            if (dryRun)
            {
                return await PlanAsync(startedAt, cancellationToken);
            }

            var report = await _lease.RunAsync(ct => CollectAsync(startedAt, actor, ct), cancellationToken);
            if (report.IsSuccess)
            {
                StoreMetrics.GcPackagesDeleted.Add(report.Value.PackagesDeleted.Count);
                StoreMetrics.GcFreedBytes.Add(report.Value.BytesFreed);
                StoreMetrics.GcIdempotencyRecordsPurged.Add(report.Value.IdempotencyRecordsPurged);
            }

            return report;
        }
        finally
        {
            StoreMetrics.GcSeconds.Record(StoreMetrics.SecondsSince(started), new KeyValuePair<string, object?>("dry_run", dryRun ? "true" : "false"));
            _running.Release();
        }
    }

    /// <summary>The steps of a run, under the lease.</summary>
    private async Task<GcReport> CollectAsync(DateTimeOffset startedAt, string actor, CancellationToken cancellationToken)
    {
        var packages = new List<GcPackage>();
        foreach (var batch in (await database.Views.FindEligibleAsync(cancellationToken)).Chunk(DeleteBatchSize))
        {
            packages.AddRange(await DeletePackagesAsync(batch, actor, cancellationToken));
        }

        var reaped = new List<GcBlob>();
        var cutoff = Time.Rfc3339.Truncate(time.GetUtcNow()) - options.BlobGracePeriod;
        foreach (var row in await database.Views.FindReapableBlobsAsync(cutoff, cancellationToken))
        {
            if (await ReapAsync(row.Digest, cutoff, actor, cancellationToken) is { } blob)
            {
                reaped.Add(blob);
            }
        }

        var orphans = await RemoveOrphansAsync(cutoff, cancellationToken);

        // Uploads a crashed put left half-done (S3 multipart) hold no blob and no address; same grace period.
        var aborted = await blobs.AbortStaleUploadsAsync(cutoff, cancellationToken);
        var expiredUploads = uploads is null ? [] : (await uploads.ExpireAsync(startedAt, cancellationToken)).Select(u => new GcUpload(u.Session.Id, u.BytesFreed)).ToList();
        var purged = await PurgeTombstonesAsync(startedAt - options.TombstoneRetention, actor, cancellationToken);
        var purgedJobs = await PurgeJobTombstonesAsync(startedAt - options.TombstoneRetention, actor, cancellationToken);
        var idempotency = await PurgeIdempotencyAsync(startedAt - IdempotencyGate.PurgeMargin, cancellationToken);
        return new GcReport(startedAt, DryRun: false, packages, reaped.OrderBy(b => b.Digest.Hex, StringComparer.Ordinal).ToList(), orphans, purged)
        {
            JobTombstonesPurged = purgedJobs,
            UploadsAborted = aborted,
            UploadsExpired = expiredUploads,
            IdempotencyRecordsPurged = idempotency,
        };
    }

    /// <summary>
    /// Completed idempotency records that expired before <paramref name="expiredBefore"/>, a batch per unit of
    /// work until a batch comes back short. A record whose key was claimed again meanwhile is no longer both
    /// completed and expired, so the batch that meets it leaves it.
    /// </summary>
    private async Task<long> PurgeIdempotencyAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        long purged = 0;
        while (true)
        {
            var batch = await database.WriteAsync<int>(
                async (writer, ct) => await writer.PurgeIdempotencyAsync(expiredBefore, IdempotencyPurgeBatch, ct), cancellationToken);
            purged += batch.Value;
            if (batch.Value < IdempotencyPurgeBatch)
            {
                return purged;
            }
        }
    }

    /// <summary>
    /// Removes the given unreferenced blobs now, through the same protocol as a run (fsck --repair): each
    /// row must still be unreferenced (condemned or deleting) and each orphan must still have no row
    /// when its turn comes, or it is left alone. Ignores the grace period, which protects uploads in
    /// flight: call it only while no upload can run (the caller holds the root). Runs under the <c>gc</c>
    /// lease like a run, so it never overlaps a collection in another process: <c>already_running</c> then.
    /// </summary>
    public async Task<Result<(List<GcBlob> Reaped, List<GcBlob> Orphans)>> ReclaimAsync(
        IEnumerable<BlobDigest> rows, IEnumerable<BlobDigest> orphans, string actor, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            return await _lease.RunAsync(ct => ReclaimUnderLeaseAsync(rows, orphans, actor, ct), cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<(List<GcBlob> Reaped, List<GcBlob> Orphans)> ReclaimUnderLeaseAsync(
        IEnumerable<BlobDigest> rows, IEnumerable<BlobDigest> orphans, string actor, CancellationToken cancellationToken)
    {
        var reaped = new List<GcBlob>();
        foreach (var digest in rows.Distinct())
        {
            if (await ReapAsync(digest, DateTimeOffset.MaxValue, actor, cancellationToken) is { } blob)
            {
                reaped.Add(blob);
            }
        }

        var removed = new List<GcBlob>();
        foreach (var digest in orphans.Distinct())
        {
            if (await RemoveOrphanAsync(digest, writtenBefore: null, cancellationToken) is { } bytes)
            {
                removed.Add(new GcBlob(digest, bytes));
            }
        }

        return (reaped, removed);
    }

    /// <summary>Deletes a batch of packages in one unit of work (one commit), each re-checked first.</summary>
    /// <remarks>
    /// Downloads answer from the file-lookup cache; it drops these packages before the unit of work and again after
    /// it, and holds none of them in between, so no download serves a package this deletes once it has committed.
    /// </remarks>
    private async Task<List<GcPackage>> DeletePackagesAsync(Guid[] ids, string actor, CancellationToken cancellationToken)
    {
        fileLookups?.BeginRemoval(ids);
        try
        {
            var result = await database.WriteAsync<List<GcPackage>>(async (writer, ct) =>
            {
                var deleted = new List<GcPackage>();
                foreach (var id in ids)
                {
                    if (await DeleteOneAsync(writer, id, actor, ct) is { } package)
                    {
                        deleted.Add(package);
                    }
                }

                return deleted;
            }, cancellationToken);
            return result.Value;
        }
        finally
        {
            fileLookups?.EndRemoval(ids);
        }
    }

    private async Task<GcPackage?> DeleteOneAsync(IStoreWriter writer, Guid id, string actor, CancellationToken ct)
    {
        var package = await writer.GetPackageAsync(id, ct);
        if (package is not { State: PackageState.Live, Retention.EligibleForDeletion: true } ||
            !package.Retention.IsDeletable(writer.Now))
        {
            return null;
        }

        var released = new List<BlobDigest>();
        long bytes = 0;
        foreach (var digest in ReferencedBlobs(package))
        {
            var row = await writer.GetBlobAsync(digest, ct);
            if (row is { RefCount: 1 })
            {
                released.Add(digest);
                bytes += (await blobs.StatAsync(digest, ct))?.Length ?? 0;
            }
        }

        await writer.AppendAsync(new NewEvent(EventTypes.PackageStream(id), EventTypes.PackageDeleted, actor,
            new PackageDeleted(id, ExpiredReason, package.Retention.ExpiresAt, released, bytes).ToCbor()), ct);
        return new GcPackage(id, package.Name, bytes);
    }

    private async Task<GcBlob?> ReapAsync(BlobDigest digest, DateTimeOffset cutoff, string actor, CancellationToken cancellationToken)
    {
        // Step 1: condemned (long enough) → deleting. An upload may have resurrected it since the query.
        var marked = await database.WriteAsync<bool>(async (writer, ct) =>
        {
            var row = await writer.GetBlobAsync(digest, ct);
            var ready = row is { State: BlobState.Deleting } ||
                        row is { State: BlobState.Condemned, RefCount: 0 } && row.CondemnedAt <= cutoff;
            if (ready && row!.State == BlobState.Condemned)
            {
                await writer.SetBlobStateAsync(digest, BlobState.Deleting, ct);
            }

            return ready;
        }, cancellationToken);
        if (!marked.Value)
        {
            return null;
        }

        await ProtocolHooks.ReachAsync(hooks, ProtocolHooks.ReaperMarkedDeleting, digest);

        // Step 2: the bytes go. Nobody may rely on them now: uploads wait while the row says deleting.
        var freed = await blobs.DeleteAsync(digest, cancellationToken) ?? 0;
        await ProtocolHooks.ReachAsync(hooks, ProtocolHooks.ReaperBytesDeleted, digest);

        // Step 3: record what was freed and drop the row. Inline bytes (docs/upload.md, "Small blobs") go
        // here, in the same unit as the row: uploads have waited on the deleting row until now.
        var recorded = await database.WriteAsync<long?>(async (writer, ct) =>
        {
            if (await writer.GetBlobAsync(digest, ct) is not { State: BlobState.Deleting })
            {
                return (long?)null;
            }

            var total = freed + (await writer.DeleteInlineBlobAsync(digest, ct) ?? 0);
            await writer.AppendAsync(new NewEvent(EventTypes.SystemStream, EventTypes.BlobReaped, actor, new BlobReaped(digest, total).ToCbor()), ct);
            return (long?)total;
        }, cancellationToken);

        // Step 2 dropped any copy in memory (InlineBlobCache) already; a read between steps 2 and 3 could have put the
        // inline bytes back, so drop it again now that they are gone.
        blobs.DropCachedBytes(digest);
        return recorded.Value is { } bytesFreed ? new GcBlob(digest, bytesFreed) : null;
    }

    private async Task<List<GcBlob>> RemoveOrphansAsync(DateTimeOffset writtenBefore, CancellationToken cancellationToken)
    {
        var removed = new List<GcBlob>();
        foreach (var (digest, _) in await FindOrphansAsync(writtenBefore, cancellationToken))
        {
            if (await RemoveOrphanAsync(digest, writtenBefore, cancellationToken) is { } bytes)
            {
                removed.Add(new GcBlob(digest, bytes));
            }
        }

        return removed;
    }

    private async Task<long?> RemoveOrphanAsync(BlobDigest digest, DateTimeOffset? writtenBefore, CancellationToken cancellationToken)
    {
        // Inside a unit of work: an upload publishes and commits under the same writer, so a blob
        // without a row here cannot be one that an upload is about to reference. The bytes' time is read
        // again here too: a finished upload that found them at their address refreshed it since the
        // listing, and checks them in a unit of its own afterwards (docs/gc.md, "Uploads without a package").
        var result = await database.WriteAsync<long?>(async (writer, ct) =>
        {
            if (await writer.GetBlobAsync(digest, ct) is not null)
            {
                return (long?)null;
            }

            if (writtenBefore is { } cutoff && await blobs.OutsideTheDatabase.StatAsync(digest, ct) is { } stat && stat.LastModified > cutoff)
            {
                return (long?)null;
            }

            await ProtocolHooks.ReachAsync(hooks, ProtocolHooks.OrphanChecked, digest);
            var file = await blobs.DeleteAsync(digest, ct);
            var inline = await writer.DeleteInlineBlobAsync(digest, ct);
            return file is null && inline is null ? (long?)null : (file ?? 0) + (inline ?? 0);
        }, cancellationToken);
        return result.Value;
    }

    private async Task<List<(BlobDigest Digest, BlobStat Stat)>> FindOrphansAsync(DateTimeOffset writtenBefore, CancellationToken cancellationToken)
    {
        var orphans = new List<(BlobDigest, BlobStat)>();
        await foreach (var digest in blobs.ListAsync(cancellationToken))
        {
            if (await database.Views.GetBlobAsync(digest, cancellationToken) is null &&
                await blobs.StatAsync(digest, cancellationToken) is { } stat && stat.LastModified <= writtenBefore)
            {
                orphans.Add((digest, stat));
            }
        }

        return orphans.OrderBy(o => o.Item1.Hex, StringComparer.Ordinal).ToList();
    }

    private async Task<List<Guid>> PurgeTombstonesAsync(DateTimeOffset deletedBefore, string actor, CancellationToken cancellationToken)
    {
        var purged = new List<Guid>();
        foreach (var id in await database.Views.FindPurgeableTombstonesAsync(deletedBefore, cancellationToken))
        {
            var result = await database.WriteAsync<bool>(async (writer, ct) =>
            {
                if (await writer.GetPackageAsync(id, ct) is not { State: PackageState.Deleted, Tombstone: { } tombstone } ||
                    tombstone.DeletedAt > deletedBefore)
                {
                    return false;
                }

                await writer.AppendAsync(new NewEvent(EventTypes.PackageStream(id), EventTypes.TombstonePurged, actor, new TombstonePurged(id).ToCbor()), ct);
                return true;
            }, cancellationToken);
            if (result.Value)
            {
                purged.Add(id);
            }
        }

        return purged;
    }

    private async Task<List<Guid>> PurgeJobTombstonesAsync(DateTimeOffset expiredBefore, string actor, CancellationToken cancellationToken)
    {
        var purged = new List<Guid>();
        foreach (var id in await database.Views.FindPurgeableJobTombstonesAsync(expiredBefore, cancellationToken))
        {
            var result = await database.WriteAsync<bool>(async (writer, ct) =>
            {
                if (await writer.GetJobAsync(id, ct) is not { State: Jobs.JobState.Expired, ExpiredAt: { } expiredAt } || expiredAt > expiredBefore)
                {
                    return false;
                }

                await writer.AppendAsync(new NewEvent(EventTypes.JobStream(id), EventTypes.JobTombstonePurged, actor, new JobTombstonePurged(id).ToCbor()), ct);
                return true;
            }, cancellationToken);
            if (result.Value)
            {
                purged.Add(id);
            }
        }

        return purged;
    }

    internal static IEnumerable<BlobDigest> ReferencedBlobs(PackageView package) =>
        package.Files.Select(f => f.Sha256).Append(package.ManifestDigest).Distinct();
}
