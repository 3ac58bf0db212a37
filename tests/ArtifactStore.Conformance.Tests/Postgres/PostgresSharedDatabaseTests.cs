using ArtifactStore.Conformance.Tests.Contracts;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;
using ArtifactStore.Postgres;
using Npgsql;

namespace ArtifactStore.Conformance.Tests.Postgres;

/// <summary>
/// What the PostgreSQL adapter guarantees beyond the contracts: several processes on one database. Each
/// opened store here has its own data source, connections, group commit and presence lock, and shares
/// nothing with the others in memory, as separate replicas would; only the database joins them.
/// </summary>
public sealed class PostgresSharedDatabaseTests(PostgresBackendFixture fixture) : IClassFixture<PostgresBackendFixture>
{
    [Fact]
    public async Task two_processes_appending_at_once_keep_one_gapless_linear_chain()
    {
        await using var first = await TestStore.OpenAsync(fixture);
        var second = await TestStore.OpenAsync(fixture, directory: first.Directory);
        try
        {
            // Every seventh unit fails after appending: its positions go to the next unit, in whichever process.
            var units = Enumerable.Range(0, 120).Select(i =>
            {
                var store = i % 2 == 0 ? first : second;
                return store.Database.WriteAsync<long>(async (writer, ct) =>
                {
                    var record = await writer.AppendAsync(EventLogContract.Created($"p{i}"), ct);
                    return i % 7 == 3 ? StoreError.Validation("undone", "name") : record.Seq;
                }, CancellationToken.None);
            }).ToList();
            var results = await Task.WhenAll(units);

            var kept = results.Where(r => r.IsSuccess).Select(r => r.Value).Order().ToList();
            Assert.Equal(Enumerable.Range(1, kept.Count).Select(i => (long)i), kept);
            var events = await first.Database.ReadEventsAsync(0, 1000, CancellationToken.None).ToListAsync();
            Assert.Equal(kept, events.Select(e => e.Seq));
            Assert.Null(await EventChain.VerifyAsync(events.ToAsyncEnumerable(), CancellationToken.None));
            Assert.Equal(kept.Count, await second.Database.Views.GetHeadSeqAsync(CancellationToken.None));
            await first.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await second.CloseAsync();
        }
    }

    [Fact]
    public async Task a_claim_of_a_running_replica_survives_another_replica_starting_and_goes_once_its_process_stops()
    {
        await using var survivor = await TestStore.OpenAsync(fixture);
        var holder = await TestStore.OpenAsync(fixture, directory: survivor.Directory);
        Assert.True((await holder.Idempotency.ClaimAsync("alice", "key-1", PackageService.CreateOperation, CancellationToken.None)).IsSuccess);

        // A replica starting while the holder runs must not take its claim away.
        var starting = await TestStore.OpenAsync(fixture, directory: survivor.Directory);
        await starting.CloseAsync();
        var refused = await survivor.Idempotency.ClaimAsync("alice", "key-1", PackageService.CreateOperation, CancellationToken.None);
        Assert.Equal(ErrorCodes.IdempotencyRequestInProgress, refused.Error?.Code);

        // The holder stops (its session ends, as when a process dies): the next replica to start clears the claim.
        await holder.CloseAsync();
        var restarted = await TestStore.OpenAsync(fixture, directory: survivor.Directory);
        await restarted.CloseAsync();
        var claim = await survivor.Idempotency.ClaimAsync("alice", "key-1", PackageService.CreateOperation, CancellationToken.None);
        Assert.True(claim.IsSuccess);
        Assert.False(claim.Value.IsReplay);
    }

    [Fact]
    public async Task a_maintenance_lease_taken_by_one_process_refuses_another()
    {
        await using var first = await TestStore.OpenAsync(fixture);
        var second = await TestStore.OpenAsync(fixture, directory: first.Directory);
        try
        {
            var held = await new MaintenanceLeaseHolder(first.Database, first.Time, MaintenanceLease.Gc).AcquireAsync(CancellationToken.None);
            Assert.True(held.IsSuccess);
            await using (held.Value)
            {
                var refused = await new MaintenanceLeaseHolder(second.Database, second.Time, MaintenanceLease.Gc).AcquireAsync(CancellationToken.None);
                Assert.Equal(ErrorCodes.AlreadyRunning, refused.Error?.Code);
            }

            var after = await new MaintenanceLeaseHolder(second.Database, second.Time, MaintenanceLease.Gc).AcquireAsync(CancellationToken.None);
            Assert.True(after.IsSuccess);
            await after.Value.DisposeAsync();
        }
        finally
        {
            await second.CloseAsync();
        }
    }

    [Fact]
    public async Task a_batch_whose_connection_is_lost_at_commit_fails_and_the_next_unit_appends_at_the_real_head()
    {
        await using var store = await TestStore.OpenAsync(fixture);
        var connectionString = ((PostgresStoreDatabase)store.Database).ConnectionString;
        Assert.Equal(1, (await Append(store, "kept", flush: null)).Value);

        // The connection dies between the unit's work and COMMIT: the caller cannot know the outcome, so it must
        // see a failure, never a success.
        await Assert.ThrowsAnyAsync<Exception>(() => Append(store, "lost", _ => TerminateHeadLockHolderAsync(connectionString)));

        Assert.Equal(2, (await Append(store, "next", flush: null)).Value);
        var events = await store.Database.ReadEventsAsync(0, 100, CancellationToken.None).ToListAsync();
        Assert.Equal([1L, 2L], events.Select(e => e.Seq));
        Assert.Null(await EventChain.VerifyAsync(events.ToAsyncEnumerable(), CancellationToken.None));
    }

    private static Task<Result<long>> Append(TestStore store, string name, Func<CancellationToken, Task>? flush) =>
        store.Database.WriteAsync<long>(async (writer, ct) =>
        {
            var record = await writer.AppendAsync(EventLogContract.Created(name), ct);
            if (flush is not null)
            {
                writer.BeforeCommit(flush);
            }

            return record.Seq;
        }, CancellationToken.None);

    /// <summary>Ends the server session that holds the head lock, as a network failure or a server restart would, and waits until it is gone.</summary>
    private static async Task TerminateHeadLockHolderAsync(string connectionString)
    {
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await admin.OpenAsync();
        await using var terminate = new NpgsqlCommand("""
            SELECT pid, pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND classid = @ns AND objid = @head
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, admin);
        terminate.Parameters.AddWithValue("ns", (long)PostgresLocks.Store);
        terminate.Parameters.AddWithValue("head", (long)PostgresLocks.Head);
        var pids = new List<int>();
        await using (var reader = await terminate.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Assert.True(reader.GetBoolean(1));
                pids.Add(reader.GetInt32(0));
            }
        }

        var pid = Assert.Single(pids);
        await using var gone = new NpgsqlCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = @pid", admin);
        gone.Parameters.AddWithValue("pid", pid);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((long)(await gone.ExecuteScalarAsync())! > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"session {pid} is still there 10 s after it was terminated");
            await Task.Delay(10);
        }
    }
}
