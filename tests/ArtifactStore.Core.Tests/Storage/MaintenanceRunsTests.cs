using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Tests.Storage;

public sealed class MaintenanceRunsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void runs_are_kept_newest_first_per_kind_up_to_the_capacity()
    {
        var runs = new MaintenanceRuns(capacity: 3);
        for (var i = 0; i < 5; i++)
        {
            var at = Start.AddMinutes(i);
            runs.RecordSweep(at, at.AddSeconds(1), $"actor-{i}", dryRun: false, new SweepReport(at, false, []));
        }

        runs.RecordCollection(Start, Start.AddSeconds(2), "ops", dryRun: true, new GcReport(Start, true, [], [], [], []));

        Assert.Equal(["actor-4", "actor-3", "actor-2"], runs.Sweeps.Select(r => r.Actor));
        Assert.All(runs.Sweeps, r => Assert.NotNull(r.Sweep));
        var gc = Assert.Single(runs.Collections);
        Assert.True(gc.DryRun);
        Assert.True(gc.Gc!.DryRun);
    }

    [Fact]
    public void a_run_that_failed_is_kept_with_its_error_and_no_report()
    {
        var runs = new MaintenanceRuns();
        var error = new StoreError(ErrorCodes.AlreadyRunning, "another process holds the gc lease");
        runs.RecordCollection(Start, Start, "ops", dryRun: false, error);

        var run = Assert.Single(runs.Collections);
        Assert.Null(run.Gc);
        Assert.Equal(ErrorCodes.AlreadyRunning, run.Error!.Code);
        Assert.Empty(runs.Sweeps);
    }
}
