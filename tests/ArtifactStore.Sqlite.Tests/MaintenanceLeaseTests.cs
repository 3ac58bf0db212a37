using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>GC and the retention sweep hold a lease in the database, so two processes on one database never run them at once.</summary>
public sealed class MaintenanceLeaseTests
{
    [Fact]
    public async Task two_collectors_on_one_database_cannot_both_run_until_the_holders_lease_expires()
    {
        var pause = new Pause(ProtocolHooks.ReaperMarkedDeleting);
        var store = await OpenAsync(pause.Hooks);
        try
        {
            await store.CreateAsync("doomed", new Dictionary<string, string> { ["f"] = "expires" }, retentionClass: "short");
            store.Time.Advance(TimeSpan.FromMinutes(5));
            Assert.True((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).IsSuccess);

            // The first collector stops between its steps, holding the lease, as a long run would.
            pause.Arm();
            using var first = store.Collector(TimeSpan.Zero);
            var running = first.RunAsync(dryRun: false, "gc-a", CancellationToken.None);
            await pause.Reached.WaitAsync(TimeSpan.FromSeconds(10));

            // The second collector stands for another process: its own holder id, the same database.
            using var second = new GarbageCollector(store.Database, store.Blobs, store.Time, store.Options.Gc with { BlobGracePeriod = TimeSpan.Zero });
            var refused = await second.RunAsync(dryRun: false, "gc-b", CancellationToken.None);
            Assert.Equal(ErrorCodes.AlreadyRunning, refused.Error?.Code);
            Assert.True((await second.RunAsync(dryRun: true, "gc-b", CancellationToken.None)).IsSuccess, "a dry run writes nothing and needs no lease");

            // The holder stops renewing (here: its clock stands still for it); once the lease lapses the other may run.
            store.Time.Advance(MaintenanceLeaseHolder.Duration + TimeSpan.FromSeconds(1));
            Assert.True((await second.RunAsync(dryRun: false, "gc-b", CancellationToken.None)).IsSuccess);

            pause.Resume();
            Assert.True((await running.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
            Assert.True((await second.RunAsync(dryRun: false, "gc-b", CancellationToken.None)).IsSuccess, "a finished run leaves no lease behind");
        }
        finally
        {
            pause.Resume();
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_sweep_is_refused_while_another_process_holds_the_sweep_lease_and_runs_once_it_lapses()
    {
        var store = await OpenAsync(null);
        try
        {
            var holder = new MaintenanceLeaseHolder(store.Database, store.Time, MaintenanceLease.RetentionSweep);
            var held = await holder.AcquireAsync(CancellationToken.None);
            Assert.True(held.IsSuccess);

            var refused = await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default);
            Assert.Equal(ErrorCodes.AlreadyRunning, refused.Error?.Code);
            Assert.Contains(holder.Holder, refused.Error!.Message, StringComparison.Ordinal);

            store.Time.Advance(MaintenanceLeaseHolder.Duration);
            Assert.True((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).IsSuccess);
            await held.Value.DisposeAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task reopening_the_embedded_database_drops_the_leases_of_the_process_that_held_the_root()
    {
        var store = await OpenAsync(null);
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

    private static Task<TestStore> OpenAsync(ProtocolHooks? hooks)
    {
        var directory = Path.Combine(Path.GetTempPath(), "as-lease-" + Guid.NewGuid().ToString("N"));
        var classes = RetentionOptions.BuiltIn.ToDictionary(c => c.Name, StringComparer.Ordinal);
        classes["short"] = new RetentionClass("short", TimeSpan.FromMinutes(1));
        return TestStore.OpenAsync(directory, new StoreOptions { DataRoot = directory, Retention = new RetentionOptions { Classes = classes } }, hooks: hooks);
    }
}
