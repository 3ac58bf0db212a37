using System.Diagnostics;
using ArtifactStore.Core.Diagnostics;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Retention;

/// <summary>
/// Finds packages whose expiry has passed with no active hold and no pin, and records
/// <c>v1.retention.deletion_eligible</c> for each — once per transition (docs/retention.md). Candidates come from
/// an index on expiry, so a sweep costs time in proportion to what has expired. Deterministic: the same
/// state and the same <c>as_of</c> give the same events in the same order (expiry, then id).
/// A sweep that writes holds the <c>retention_sweep</c> lease in the database (<see cref="MaintenanceLeaseHolder"/>),
/// so processes sharing a database never sweep at once; one that finds it held elsewhere answers <c>already_running</c>.
/// </summary>
public sealed class RetentionSweeper(IStoreDatabase database, TimeProvider time, MaintenanceRuns? runs = null) : IDisposable
{
    private const int BatchSize = 1000;
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly MaintenanceLeaseHolder _lease = new(database, time, MaintenanceLease.RetentionSweep);

    public void Dispose() => _running.Dispose();

    /// <summary>
    /// Runs a sweep as of <paramref name="asOf"/> (default: now). A dry run returns the same plan and writes
    /// nothing; a sweep answers <c>already_running</c> when another process holds the sweep lease. Each outcome is
    /// recorded in <see cref="MaintenanceRuns"/> when the store keeps one.
    /// </summary>
    public async Task<Result<SweepReport>> RunAsync(DateTimeOffset? asOf, bool dryRun, string actor, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var outcome = await RunOnceAsync(asOf, dryRun, actor, cancellationToken);
        runs?.RecordSweep(started, time.GetUtcNow(), actor, dryRun, outcome);
        return outcome;
    }

    private async Task<Result<SweepReport>> RunOnceAsync(DateTimeOffset? asOf, bool dryRun, string actor, CancellationToken cancellationToken)
    {
        var at = Time.Rfc3339.Truncate(asOf ?? time.GetUtcNow());
        await _running.WaitAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (dryRun)
            {
                var planned = await database.Views.FindNewlyDeletableAsync(at, cancellationToken);
                return new SweepReport(at, DryRun: true, planned) { ExpiredJobs = await database.Views.FindExpiredJobsAsync(at, cancellationToken) };
            }

            return await _lease.RunAsync(ct => SweepAsync(at, actor, ct), cancellationToken);
        }
        finally
        {
            StoreMetrics.SweepSeconds.Record(StoreMetrics.SecondsSince(started), new KeyValuePair<string, object?>("dry_run", dryRun ? "true" : "false"));
            _running.Release();
        }
    }

    /// <summary>The sweep itself, under the lease.</summary>
    private async Task<SweepReport> SweepAsync(DateTimeOffset at, string actor, CancellationToken cancellationToken)
    {
        var planned = await database.Views.FindNewlyDeletableAsync(at, cancellationToken);
        var plannedJobs = await database.Views.FindExpiredJobsAsync(at, cancellationToken);

        var done = new List<SweepItem>();
        foreach (var batch in planned.Chunk(BatchSize))
        {
            var written = await database.WriteAsync<List<SweepItem>>(async (writer, ct) =>
            {
                var marked = new List<SweepItem>();
                foreach (var item in batch)
                {
                    // Re-checked inside the unit of work: a hold or pin may have arrived since the plan.
                    var package = await writer.GetPackageAsync(item.PackageId, ct);
                    if (package is null || package.State != Packages.PackageState.Live ||
                        package.Retention.EligibleForDeletion || !package.Retention.IsDeletable(at))
                    {
                        continue;
                    }

                    await writer.AppendAsync(new NewEvent(EventTypes.PackageStream(item.PackageId), EventTypes.DeletionEligible, actor,
                        new EligibilityChanged(item.PackageId, package.Retention.ExpiresAt, at, "expired").ToCbor()), ct);
                    marked.Add(item);
                }

                return marked;
            }, cancellationToken);
            done.AddRange(written.Value);
        }

        var expiredJobs = await ExpireJobsAsync(plannedJobs, at, actor, cancellationToken);
        return new SweepReport(at, DryRun: false, done) { ExpiredJobs = expiredJobs };
    }

    /// <summary>Marks finished, unpinned jobs past their retention <c>expired</c>, re-checked inside each unit of work.</summary>
    private async Task<List<Guid>> ExpireJobsAsync(IReadOnlyList<Guid> planned, DateTimeOffset at, string actor, CancellationToken cancellationToken)
    {
        var done = new List<Guid>();
        foreach (var batch in planned.Chunk(BatchSize))
        {
            var written = await database.WriteAsync<List<Guid>>(async (writer, ct) =>
            {
                var marked = new List<Guid>();
                foreach (var id in batch)
                {
                    var job = await writer.GetJobAsync(id, ct);
                    if (job is null || job.Pinned || !Jobs.JobStates.IsFinished(job.State) || job.State == Jobs.JobState.Expired ||
                        job.ExpiresAt is not { } expiry || expiry > at)
                    {
                        continue;
                    }

                    await writer.AppendAsync(new NewEvent(EventTypes.JobStream(id), EventTypes.JobExpired, actor, new JobExpired(id, expiry, at).ToCbor()), ct);
                    marked.Add(id);
                }

                return marked;
            }, cancellationToken);
            done.AddRange(written.Value);
        }

        return done;
    }
}
