using ArtifactStore.Conformance.Tests.Contracts;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Conformance.Tests.Embedded;

/// <summary>
/// Leases on the embedded backend only: its root lock proves that whoever held the root before is dead, so
/// opening the root drops that process's leases at once instead of waiting for them to lapse (a shared
/// backend waits).
/// </summary>
public sealed class EmbeddedLeaseTests(EmbeddedBackendFixture fixture) : IClassFixture<EmbeddedBackendFixture>
{
    [Fact]
    public async Task after_a_restart_on_the_embedded_root_the_dead_process_lease_does_not_delay_recovery()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var options = JobLeaseContract.Options(store, new JobLeaseContract.BlockingHandler());
            Guid jobId;
            await using (var before = JobLeaseContract.Runner(store, options))
            {
                jobId = await JobLeaseContract.SubmitAsync(store, options, before);
            }

            await JobLeaseContract.LeaseElsewhereAsync(store, jobId, TimeSpan.FromMinutes(10));
            store = await store.ReopenAsync();
            await using var after = JobLeaseContract.Runner(store, options);
            Assert.Equal(1, await after.RecoverAsync(CancellationToken.None));
            Assert.Equal(JobState.Queued, (await store.Database.Views.GetJobAsync(jobId, default))!.State);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task reopening_the_embedded_database_drops_the_leases_of_the_process_that_held_the_root()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var holder = new MaintenanceLeaseHolder(store.Database, store.Time, MaintenanceLease.Gc);
            Assert.True((await holder.AcquireAsync(CancellationToken.None)).IsSuccess);

            // A crash: the holder never releases. The root lock proves it dead to the next process.
            store = await store.ReopenAsync();
            using var collector = store.Collector(TimeSpan.Zero);
            Assert.True((await collector.RunAsync(dryRun: false, "gc", CancellationToken.None)).IsSuccess);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }
}
