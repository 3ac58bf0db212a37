using System.Diagnostics;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// Group commit on the one writer connection. Units of work queue up (<see cref="GroupCommitQueue"/>); one loop takes every unit that
/// is waiting (up to <see cref="MaxBatch"/>) and runs them one after the other inside a single
/// <c>BEGIN IMMEDIATE … COMMIT</c>, each in its own <c>SAVEPOINT</c>:
/// <list type="number">
/// <item>a unit that returns an error or throws is rolled back to its savepoint; the units before and
/// after it are unaffected, and the next unit appends at the positions it gave up, so the event log
/// stays gapless;</item>
/// <item>the flushes the kept units registered (<see cref="IStoreWriter.BeforeCommit"/>) run, each
/// once, then the batch commits once (one fsync of the WAL for all of its units);</item>
/// <item>only then is any caller answered, and the in-memory head (seq, hash) moves to the last kept
/// unit's. If the commit fails, no unit of the batch succeeds.</item>
/// </list>
/// Whatever fails goes through the adapter's error translation (<see cref="SqliteStorageFull"/>): a
/// full disk, met by a unit's statement or by the commit's WAL append, fails the batch's units with
/// <see cref="StorageFullException"/>; the transaction is rolled back and the loop goes on, so the
/// next unit (once there is space again) commits at the same head.
/// Units still run strictly one at a time, so each sees everything the units before it wrote.
/// </summary>
internal sealed class SqliteGroupCommit : IAsyncDisposable
{
    public const int MaxBatch = 64;

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly GroupCommitQueue _queue;
    private long _headSeq;
    private byte[] _headHash;

    public SqliteGroupCommit(SqliteConnection connection, TimeProvider time, long headSeq, byte[] headHash)
    {
        _connection = connection;
        _time = time;
        _headSeq = headSeq;
        _headHash = headHash;
        _queue = new GroupCommitQueue(MaxBatch, CommitTranslatedAsync, nameof(SqliteStoreDatabase));
    }

    /// <summary>How many batches have committed (for tests that check that batching happens).</summary>
    public long CommittedBatches { get; private set; }

    /// <summary>Where the writer's time goes (the bench's in-process mode prints it).</summary>
    public GroupCommitStats Stats => _queue.Stats;

    public Task<Result<T>> WriteAsync<T>(Func<IStoreWriter, CancellationToken, Task<Result<T>>> work, CancellationToken cancellationToken) =>
        _queue.WriteAsync(work, cancellationToken);

    /// <summary>Stops taking units, finishes the ones already queued, and stops the loop.</summary>
    public ValueTask DisposeAsync() => _queue.DisposeAsync();

    // A batch that fails as a whole fails every unit with the translated error (a full disk is StorageFull).
    private async Task CommitTranslatedAsync(List<PendingWrite> batch)
    {
        try
        {
            await CommitBatchAsync(batch);
        }
        catch (Exception e)
        {
            throw Translate(e);
        }
    }

    private async Task CommitBatchAsync(List<PendingWrite> batch)
    {
        SqliteTransaction? transaction = null;
        try
        {
            var started = Stopwatch.GetTimestamp();
            transaction = _connection.BeginTransaction(deferred: false);
            var (seq, hash) = (_headSeq, _headHash);
            var flushes = new List<Func<CancellationToken, Task>>();
            for (var i = 0; i < batch.Count; i++)
            {
                // One savepoint name serves every unit: each is released or rolled back before the next
                // begins. The statements run through the writer's prepared-statement cache.
                SqliteStatements.Execute(_connection, transaction, "SAVEPOINT unit");
                var writer = new SqliteStoreWriter(_connection, transaction, Rfc3339.Truncate(_time.GetUtcNow()), seq, hash);
                var kept = await batch[i].RunAsync(writer, Translate);
                EnsureTransactionIsOpen(batch[i]);
                if (kept)
                {
                    SqliteStatements.Execute(_connection, transaction, "RELEASE unit");
                    (seq, hash) = (writer.HeadSeq, writer.HeadHash);
                    foreach (var flush in writer.Flushes)
                    {
                        if (!flushes.Contains(flush))
                        {
                            flushes.Add(flush);
                        }
                    }
                }
                else
                {
                    // Only this unit is undone; the next one appends at the same positions.
                    SqliteStatements.Execute(_connection, transaction, "ROLLBACK TO unit");
                    SqliteStatements.Execute(_connection, transaction, "RELEASE unit");
                }
            }

            // What the kept units put outside the database (blobs at their addresses) is made durable
            // first, once for all of them: nothing may commit that points at bytes that could vanish.
            var unitsRan = Stopwatch.GetTimestamp();
            foreach (var flush in flushes)
            {
                await flush(CancellationToken.None);
            }

            // Durability point: with synchronous=FULL the commit has reached the disk when it returns.
            var flushed = Stopwatch.GetTimestamp();
            transaction.Commit();
            Stats.AddSplit(unitsRan - started, flushed - unitsRan, Stopwatch.GetTimestamp() - flushed);
            (_headSeq, _headHash) = (seq, hash);
            CommittedBatches++;
        }
        catch (Exception e)
        {
            // Translated first: the errno SQLite recorded for the failure belongs to this moment.
            var failure = Translate(e);
            TryRollback(transaction);
            foreach (var pending in batch)
            {
                pending.Fail(failure);
            }

            return;
        }
        finally
        {
            TryDispose(transaction);
        }

        foreach (var pending in batch)
        {
            pending.Acknowledge();
        }
    }

    /// <summary>
    /// Some errors (a full disk, I/O errors) make SQLite roll back the whole transaction by itself;
    /// the units after that point would then run outside any transaction, so the batch stops here,
    /// failing with the unit's own failure as the cause (a full disk fails every unit as one).
    /// </summary>
    private void EnsureTransactionIsOpen(PendingWrite unit)
    {
        if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) != 0)
        {
            throw new InvalidOperationException("SQLite rolled back the batch's transaction; none of its units were committed", unit.Thrown);
        }
    }

    /// <summary>The adapter's error translation: a full disk becomes Core's <see cref="StorageFullException"/>.</summary>
    private Exception Translate(Exception failure) => SqliteStorageFull.Translate(failure, _connection);

    private static void TryDispose(SqliteTransaction? transaction)
    {
        try
        {
            transaction?.Dispose();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            // Disposing rolls back an unfinished transaction; it is gone either way.
        }
    }

    private static void TryRollback(SqliteTransaction? transaction)
    {
        if (transaction is null)
        {
            return;
        }

        try
        {
            transaction.Rollback();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            // Already rolled back by SQLite itself; nothing of the batch was kept either way.
        }
    }
}
