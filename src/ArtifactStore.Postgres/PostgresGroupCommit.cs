using System.Data;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// Group commit against a database that several processes write (docs/events.md). Units of work queue up
/// (<see cref="GroupCommitQueue"/>); each batch runs in one transaction on a pooled connection:
/// <list type="number">
/// <item>it takes the head lock (<c>pg_advisory_xact_lock</c>), held until commit or rollback: the
/// transactions that append are serialized across every process on the database;</item>
/// <item>it reads the head (seq, hash) from the log under that lock. Nothing is remembered between
/// batches: another process may have appended since, and a batch whose commit failed left nothing;</item>
/// <item>each unit runs in its own <c>SAVEPOINT</c>; a unit that returns an error or throws is rolled
/// back to it alone, and the next one appends at the positions it gave up, so the log stays gapless;</item>
/// <item>the kept units' flushes run, each once, then the batch commits (the server's WAL is flushed
/// before COMMIT returns).</item>
/// </list>
/// Only then is a caller answered. A batch whose COMMIT fails, or whose outcome is unknown (the connection
/// broke during it), fails every kept unit: it is never reported as done, never retried here, and the next
/// batch reads whatever head the database really has.
/// </summary>
internal sealed class PostgresGroupCommit : IAsyncDisposable
{
    public const int MaxBatch = 64;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly int _presenceKey;
    private readonly GroupCommitQueue _queue;

    public PostgresGroupCommit(NpgsqlDataSource dataSource, TimeProvider time, int presenceKey)
    {
        _dataSource = dataSource;
        _time = time;
        _presenceKey = presenceKey;
        _queue = new GroupCommitQueue(MaxBatch, CommitBatchAsync, nameof(PostgresStoreDatabase));
    }

    /// <summary>How many batches have committed (for tests that check that batching happens).</summary>
    public long CommittedBatches { get; private set; }

    public Task<Core.Errors.Result<T>> WriteAsync<T>(Func<IStoreWriter, CancellationToken, Task<Core.Errors.Result<T>>> work, CancellationToken cancellationToken) =>
        _queue.WriteAsync(work, cancellationToken);

    /// <summary>Stops taking units, finishes the ones already queued, and stops the loop.</summary>
    public ValueTask DisposeAsync() => _queue.DisposeAsync();

    private async Task CommitBatchAsync(List<PendingWrite> batch)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
            await Sql.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@ns, @key)", CancellationToken.None,
                ("ns", PostgresLocks.Store), ("key", PostgresLocks.Head));
            var (seq, hash) = await ReadHeadAsync(connection, transaction);
            var flushes = new List<Func<CancellationToken, Task>>();
            for (var i = 0; i < batch.Count; i++)
            {
                var savepoint = $"unit{i}";
                await transaction.SaveAsync(savepoint);
                var writer = new PostgresStoreWriter(connection, transaction, Rfc3339.Truncate(_time.GetUtcNow()), seq, hash, _presenceKey);
                if (await batch[i].RunAsync(writer, PostgresStorageFull.Translate))
                {
                    await transaction.ReleaseAsync(savepoint);
                    (seq, hash) = (writer.HeadSeq, writer.HeadHash);
                    foreach (var flush in writer.Flushes.Where(f => !flushes.Contains(f)).ToList())
                    {
                        flushes.Add(flush);
                    }
                }
                else
                {
                    // Only this unit is undone (also a failed statement, which PostgreSQL undoes only to a savepoint).
                    await transaction.RollbackAsync(savepoint);
                    await transaction.ReleaseAsync(savepoint);
                }
            }

            // What the kept units put outside the database (blobs at their addresses) is made durable first,
            // once for all of them: nothing may commit that points at bytes that could vanish.
            foreach (var flush in flushes)
            {
                await flush(CancellationToken.None);
            }

            // Durability point, and the one place whose failure can leave the outcome unknown: any exception
            // fails every unit of the batch (see the summary); the lock goes with the transaction either way.
            await transaction.CommitAsync(CancellationToken.None);
            CommittedBatches++;
        }
        catch (Exception e)
        {
            var failure = PostgresStorageFull.Translate(e);
            foreach (var pending in batch)
            {
                pending.Fail(failure);
            }

            return;
        }

        foreach (var pending in batch)
        {
            pending.Acknowledge();
        }
    }

    private static async Task<(long Seq, byte[] Hash)> ReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var head = await Sql.QueryAsync(connection, transaction, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
            r => (r.GetInt64(0), (byte[])r[1]), CancellationToken.None);
        return head is [var last] ? last : (0L, EventChain.Genesis);
    }
}
