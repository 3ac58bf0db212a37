using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>GC and the retention sweep hold a lease in the database, so two processes on one database never run them at once.</summary>
public abstract class MaintenanceLeaseContract(StoreBackendFixture fixture)
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

            // The first collector stops between its steps, holding the lease, as a long run would. It stands
            // for a process whose clock stops (it hangs): its renewals, timers on that clock, never fire.
            pause.Arm();
            var hung = new FakeTimeProvider(store.Time.GetUtcNow());
            using var first = new GarbageCollector(store.Database, store.Blobs, hung, store.Options.Gc with { BlobGracePeriod = TimeSpan.Zero }, store.Hooks);
            var running = first.RunAsync(dryRun: false, "gc-a", CancellationToken.None);
            await pause.Reached.WaitAsync(TimeSpan.FromSeconds(10));

            // The second collector stands for another process: its own holder id, the same database.
            using var second = new GarbageCollector(store.Database, store.Blobs, store.Time, store.Options.Gc with { BlobGracePeriod = TimeSpan.Zero });
            var refused = await second.RunAsync(dryRun: false, "gc-b", CancellationToken.None);
            Assert.Equal(ErrorCodes.AlreadyRunning, refused.Error?.Code);
            Assert.True((await second.RunAsync(dryRun: true, "gc-b", CancellationToken.None)).IsSuccess, "a dry run writes nothing and needs no lease");

            // The holder stops renewing; once the lease lapses the other may run.
            store.Time.Advance(MaintenanceLeaseHolder.Duration + TimeSpan.FromSeconds(1));
            var afterLapse = await second.RunAsync(dryRun: false, "gc-b", CancellationToken.None);
            Assert.True(afterLapse.IsSuccess, afterLapse.IsSuccess ? null : afterLapse.Error.Message);

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
            // Another process that took the lease and then hung: its renewals are timers on a clock that stops.
            var holder = new MaintenanceLeaseHolder(store.Database, new FakeTimeProvider(store.Time.GetUtcNow()), MaintenanceLease.RetentionSweep);
            var held = await holder.AcquireAsync(CancellationToken.None);
            Assert.True(held.IsSuccess);

            var refused = await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default);
            Assert.Equal(ErrorCodes.AlreadyRunning, refused.Error?.Code);
            Assert.Contains(holder.Holder, refused.Error!.Message, StringComparison.Ordinal);

            store.Time.Advance(MaintenanceLeaseHolder.Duration);
            var afterLapse = await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default);
            Assert.True(afterLapse.IsSuccess, afterLapse.IsSuccess ? null : afterLapse.Error.Message);
            await held.Value.DisposeAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task reclaiming_unreferenced_bytes_for_fsck_repair_is_refused_while_another_process_holds_the_gc_lease()
    {
        var store = await OpenAsync(null);
        try
        {
            // Bytes with no row: an orphan that fsck --repair would remove.
            var staged = (await store.Blobs.StageAsync(new MemoryStream("orphan"u8.ToArray()), long.MaxValue, default)).Value;
            await store.Blobs.PutAsync(staged, default);
            await store.Blobs.DiscardAsync(staged, default);

            var holder = new MaintenanceLeaseHolder(store.Database, new FakeTimeProvider(store.Time.GetUtcNow()), MaintenanceLease.Gc);
            var held = (await holder.AcquireAsync(CancellationToken.None)).Value;
            using var collector = store.Collector(TimeSpan.Zero);
            var refused = await collector.ReclaimAsync([], [staged.Digest], "fsck", CancellationToken.None);
            Assert.Equal(ErrorCodes.AlreadyRunning, refused.Error?.Code);
            Assert.NotNull(await store.Blobs.StatAsync(staged.Digest, default));

            await held.DisposeAsync();
            var reclaimed = await collector.ReclaimAsync([], [staged.Digest], "fsck", CancellationToken.None);
            Assert.Equal(staged.Digest, Assert.Single(reclaimed.Value.Orphans).Digest);
            Assert.Null(await store.Blobs.StatAsync(staged.Digest, default));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private Task<TestStore> OpenAsync(ProtocolHooks? hooks) => TestStore.OpenAsync(fixture, hooks: hooks);
}
