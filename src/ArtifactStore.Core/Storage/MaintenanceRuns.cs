using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Retention;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// The last sweeps and GC runs of this process, with their reports, for the dashboard's storage page
/// (docs/dashboard.md, "Storage"). Operational state, not events: a sweep runs every interval, and an event per
/// run would grow the hash-chained log forever with records that change nothing; what a run changed is already
/// in the log (<c>v1.retention.deletion_eligible</c>, <c>v1.package.deleted</c>, <c>v1.blob.reaped</c>, …).
/// Kept in memory, newest first, bounded; a restart starts an empty list.
/// </summary>
public sealed class MaintenanceRuns(int capacity = MaintenanceRuns.DefaultCapacity)
{
    public const int DefaultCapacity = 20;
    private readonly Lock _lock = new();
    private readonly LinkedList<MaintenanceRun> _sweeps = new();
    private readonly LinkedList<MaintenanceRun> _collections = new();

    /// <summary>The last sweeps, newest first.</summary>
    public IReadOnlyList<MaintenanceRun> Sweeps => Snapshot(_sweeps);

    /// <summary>The last GC runs, newest first.</summary>
    public IReadOnlyList<MaintenanceRun> Collections => Snapshot(_collections);

    public void RecordSweep(DateTimeOffset startedAt, DateTimeOffset finishedAt, string actor, bool dryRun, Result<SweepReport> outcome) =>
        Add(_sweeps, new MaintenanceRun(startedAt, finishedAt, actor, dryRun, outcome.IsSuccess ? null : outcome.Error) { Sweep = outcome.IsSuccess ? outcome.Value : null });

    public void RecordCollection(DateTimeOffset startedAt, DateTimeOffset finishedAt, string actor, bool dryRun, Result<GcReport> outcome) =>
        Add(_collections, new MaintenanceRun(startedAt, finishedAt, actor, dryRun, outcome.IsSuccess ? null : outcome.Error) { Gc = outcome.IsSuccess ? outcome.Value : null });

    private void Add(LinkedList<MaintenanceRun> runs, MaintenanceRun run)
    {
        lock (_lock)
        {
            runs.AddFirst(run);
            while (runs.Count > capacity)
            {
                runs.RemoveLast();
            }
        }
    }

    private List<MaintenanceRun> Snapshot(LinkedList<MaintenanceRun> runs)
    {
        lock (_lock)
        {
            return [.. runs];
        }
    }
}

/// <summary>One sweep or GC run: when, by whom, dry or not, and its report or the error it ended with.</summary>
public sealed record MaintenanceRun(DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string Actor, bool DryRun, StoreError? Error)
{
    public SweepReport? Sweep { get; init; }

    public GcReport? Gc { get; init; }
}
