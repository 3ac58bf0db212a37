using ArtifactStore.Core.Events;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// Replays an event log, in order, through <see cref="SqliteProjector"/> (the code live writes use),
/// into the views of the connection's main database. Used by rebuild-views and by fsck, which
/// replays a live store's log into a scratch database to compare the views.
/// </summary>
internal static class SqliteReplay
{
    private const int BatchSize = 1000;

    /// <param name="connection">The connection whose main database receives the views.</param>
    /// <param name="transaction">The transaction every statement runs in.</param>
    /// <param name="eventsTable">Where to read the log: <c>events</c>, or <c>live.events</c> of an attached database.</param>
    /// <param name="cancellationToken">Stops the replay between batches.</param>
    /// <returns>The number of events replayed.</returns>
    public static long Replay(SqliteConnection connection, SqliteTransaction transaction, string eventsTable, CancellationToken cancellationToken)
    {
        var after = 0L;
        var count = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = new List<EventRecord>(BatchSize);
            using (var read = connection.CreateCommand())
            {
                read.Transaction = transaction;
                read.CommandText = $"SELECT {SqliteEvents.Columns} FROM {eventsTable} WHERE seq > $after ORDER BY seq LIMIT {BatchSize}";
                read.Parameters.AddWithValue("$after", after);
                using var reader = read.ExecuteReader();
                while (reader.Read())
                {
                    batch.Add(SqliteEvents.Read(reader));
                }
            }

            if (batch.Count == 0)
            {
                return count;
            }

            foreach (var record in batch)
            {
                try
                {
                    SqliteProjector.Apply(connection, transaction, record);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new ReplayFailedException(record.Seq, e);
                }
            }

            count += batch.Count;
            after = batch[^1].Seq;
        }
    }
}
