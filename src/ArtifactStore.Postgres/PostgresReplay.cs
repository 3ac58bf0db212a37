using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// Replays an event log, in order, through <see cref="PostgresProjector"/> (the code live writes use), into
/// the views the connection's unqualified table names resolve to. Used by rebuild-views (into the store's
/// views) and by fsck (into a snapshot's temporary tables).
/// </summary>
internal static class PostgresReplay
{
    private const int BatchSize = 1000;

    /// <returns>The number of events replayed.</returns>
    /// <exception cref="ReplayFailedException">An event could not be applied.</exception>
    public static async Task<long> ReplayAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string eventsTable, CancellationToken cancellationToken)
    {
        var after = 0L;
        var count = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Read a whole batch first: one connection runs one command at a time.
            var batch = await PostgresEvents.ReadBatchAsync(connection, transaction, eventsTable, after, BatchSize, cancellationToken);
            if (batch.Count == 0)
            {
                return count;
            }

            // One savepoint per batch, not per event (many subtransactions in one transaction slow the whole
            // server down). A failed statement aborts the transaction up to the savepoint; the events of the
            // batch before the failing one are applied again, so that what the replay produced up to it can
            // still be compared.
            await transaction.SaveAsync("replay", cancellationToken);
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    await PostgresProjector.ApplyAsync(connection, transaction, batch[i], cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await transaction.RollbackAsync("replay", CancellationToken.None);
                    for (var j = 0; j < i; j++)
                    {
                        await PostgresProjector.ApplyAsync(connection, transaction, batch[j], CancellationToken.None);
                    }

                    throw new ReplayFailedException(batch[i].Seq, e);
                }
            }

            await transaction.ReleaseAsync("replay", cancellationToken);
            count += batch.Count;
            after = batch[^1].Seq;
        }
    }
}
