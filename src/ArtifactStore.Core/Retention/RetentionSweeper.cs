using ArtifactStore.Core.Events;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Retention;

/// <summary>
/// Finds packages whose expiry has passed with no active hold and no pin, and records
/// <c>v1.retention.deletion_eligible</c> for each — once per transition (docs/retention.md). Candidates come from
/// an index on expiry, so a sweep costs time in proportion to what has expired. Deterministic: the same
/// state and the same <c>as_of</c> give the same events in the same order (expiry, then id).
/// </summary>
public sealed class RetentionSweeper(IStoreDatabase database, TimeProvider time) : IDisposable
{
    private const int BatchSize = 1000;
    private readonly SemaphoreSlim _running = new(1, 1);

    public void Dispose() => _running.Dispose();

    /// <summary>Runs a sweep as of <paramref name="asOf"/> (default: now). A dry run returns the same plan and writes nothing.</summary>
    public async Task<SweepReport> RunAsync(DateTimeOffset? asOf, bool dryRun, string actor, CancellationToken cancellationToken)
    {
        var at = Time.Rfc3339.Truncate(asOf ?? time.GetUtcNow());
        await _running.WaitAsync(cancellationToken);
        try
        {
            var planned = await database.Views.FindNewlyDeletableAsync(at, cancellationToken);
            var plannedJobs = await database.Views.FindExpiredJobsAsync(at, cancellationToken);

            if (dryRun)
            {
                return new SweepReport(at, DryRun: true, planned) { ExpiredJobs = plannedJobs };
            }

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
        finally
        {
            _running.Release();
        }
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
