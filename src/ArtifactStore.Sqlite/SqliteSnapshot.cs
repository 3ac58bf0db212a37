using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// A read-only snapshot of a store database (fsck, backup verification). The connection's main
/// database is a private in-memory scratch database with the current schema; the store's file is
/// attached read-only as <c>live</c>. One deferred transaction spans every read, so in WAL mode all of
/// them see the state committed when the first one ran, while a server keeps writing. A replay writes
/// only into the scratch database: the projector's unqualified table names resolve to <c>main</c>.
/// </summary>
public sealed class SqliteSnapshot : IStoreSnapshot
{
    private const string Live = "live";
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private SqliteSnapshot(SqliteConnection connection, SqliteTransaction transaction, int schemaVersion)
    {
        _connection = connection;
        _transaction = transaction;
        SchemaVersion = schemaVersion;
    }

    public int SchemaVersion { get; }

    /// <summary>Opens a snapshot of the database file at <paramref name="databasePath"/>.</summary>
    /// <exception cref="SchemaTooNewException">The database was written by a newer binary.</exception>
    public static SqliteSnapshot Open(string databasePath)
    {
        if (!File.Exists(databasePath))
        {
            throw new FileNotFoundException($"there is no database at {databasePath}", databasePath);
        }

        // A URI data source makes SQLite read the ATTACH argument below as a URI too (mode=ro).
        var connection = new SqliteConnection("Data Source=file:fsck-scratch?mode=memory;Pooling=False");
        try
        {
            connection.Open();
            SqliteSchema.Apply(connection);
            using (var attach = connection.CreateCommand())
            {
                attach.CommandText = $"ATTACH DATABASE $uri AS {Live}";
                attach.Parameters.AddWithValue("$uri", new Uri(Path.GetFullPath(databasePath)).AbsoluteUri + "?mode=ro");
                attach.ExecuteNonQuery();
            }

            using (var timeout = connection.CreateCommand())
            {
                timeout.CommandText = "PRAGMA busy_timeout=30000";
                timeout.ExecuteNonQuery();
            }

            var transaction = connection.BeginTransaction(deferred: true);
            var version = SqliteSchema.ReadVersion(connection, transaction, Live);
            if (version > SqliteSchema.LatestVersion)
            {
                transaction.Dispose();
                throw new SchemaTooNewException(version, SqliteSchema.LatestVersion);
            }

            return new SqliteSnapshot(connection, transaction, version);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public async IAsyncEnumerable<EventRecord> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = 0L;
        while (true)
        {
            var batch = new List<EventRecord>(1000);
            using (var command = Command($"SELECT {SqliteEvents.Columns} FROM {Live}.events WHERE seq > $after ORDER BY seq LIMIT 1000"))
            {
                command.Parameters.AddWithValue("$after", after);
                using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (reader.Read())
                {
                    batch.Add(SqliteEvents.Read(reader));
                }
            }

            foreach (var record in batch)
            {
                yield return record;
            }

            if (batch.Count == 0)
            {
                yield break;
            }

            after = batch[^1].Seq;
        }
    }

    public async IAsyncEnumerable<BlobRow> ReadBlobRowsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var command = Command($"SELECT sha256, blake3, size, refcount, state, condemned_at FROM {Live}.blobs ORDER BY sha256");
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (reader.Read())
        {
            yield return new BlobRow(
                BlobDigest.Parse(reader.GetString(0)),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetInt64(3),
                BlobStates.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : Rfc3339.Parse(reader.GetString(5)));
        }
    }

    public Task<InlineBlob?> GetInlineBlobAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        Task.FromResult(SchemaVersion >= SqliteInlineBlobs.SinceSchemaVersion ? SqliteInlineBlobs.Get(_connection, _transaction, digest, Live) : null);

    public Task<IReadOnlyList<BlobDigest>> ListInlineBlobsAsync(BlobDigest? after, int limit, CancellationToken cancellationToken) =>
        Task.FromResult(SchemaVersion >= SqliteInlineBlobs.SinceSchemaVersion
            ? SqliteInlineBlobs.List(_connection, _transaction, after, limit, Live)
            : (IReadOnlyList<BlobDigest>)[]);

    public async IAsyncEnumerable<BlobReference> ReadLiveReferencesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var command = Command($"""
            SELECT f.sha256, p.id, p.name, f.path, f.size FROM {Live}.packages p JOIN {Live}.package_files f ON f.package_id = p.id WHERE p.state = 'live'
            UNION ALL
            SELECT p.manifest_sha256, p.id, p.name, NULL, p.manifest_size FROM {Live}.packages p WHERE p.state = 'live'
            ORDER BY 1, 2, 4
            """);
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (reader.Read())
        {
            yield return new BlobReference(
                BlobDigest.Parse(reader.GetString(0)),
                Guid.Parse(reader.GetString(1)),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt64(4));
        }
    }

    public Task<ViewComparison> CompareViewsWithReplayAsync(int maxReported, CancellationToken cancellationToken)
    {
        if (SchemaVersion != SqliteSchema.LatestVersion)
        {
            return Task.FromResult(new ViewComparison(0, [], 0, null,
                $"the database schema is version {SchemaVersion} and this binary replays into version {SqliteSchema.LatestVersion}; run 'artifactstore migrate' first"));
        }

        long replayed;
        string? failure = null;
        try
        {
            replayed = SqliteReplay.Replay(_connection, _transaction, $"{Live}.events", cancellationToken);
        }
        catch (ReplayFailedException e)
        {
            // Compare what the replay produced up to the damaged event: the differences still say where the views stand.
            replayed = e.Seq - 1;
            failure = e.Message;
        }

        var differences = new List<ViewDifference>();
        var count = 0L;
        foreach (var table in SqliteViewTables.Read(_connection, _transaction))
        {
            cancellationToken.ThrowIfCancellationRequested();
            count += Compare(table, maxReported, differences);
        }

        return Task.FromResult(new ViewComparison(replayed, differences, count, failure));
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    /// <summary>Counts the rows of one table that differ and describes the first <paramref name="maxReported"/> of them by key.</summary>
    private long Compare(ViewTable table, int maxReported, List<ViewDifference> differences)
    {
        var stored = $"SELECT {Comparable(table)} FROM {Live}.{ViewTable.Quote(table.Name)}";
        var replayed = $"SELECT {Comparable(table)} FROM main.{ViewTable.Quote(table.Name)}";
        var key = table.OrderBy;
        var with = $"WITH a AS ({stored} EXCEPT {replayed}), b AS ({replayed} EXCEPT {stored})";

        using var countCommand = Command($"{with} SELECT COUNT(*) FROM (SELECT {key} FROM a UNION SELECT {key} FROM b)");
        var count = Convert.ToInt64(countCommand.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (count == 0)
        {
            return 0;
        }

        using var rows = Command($"""
            {with}, k AS (SELECT {key} FROM a UNION SELECT {key} FROM b ORDER BY {key} LIMIT {maxReported.ToString(CultureInfo.InvariantCulture)})
            SELECT 0, a.* FROM a JOIN k USING ({key})
            UNION ALL
            SELECT 1, b.* FROM b JOIN k USING ({key})
            """);
        var found = new SortedDictionary<string, (string? Stored, string? Replayed)>(StringComparer.Ordinal);
        using (var reader = rows.ExecuteReader())
        {
            while (reader.Read())
            {
                var keyText = string.Join(", ", table.Key.Select(k => $"{k}={SqliteViewDump.Value(reader, 1 + IndexOf(table, k))}"));
                var row = SqliteViewDump.RowText(reader, 1);
                var entry = found.GetValueOrDefault(keyText);
                found[keyText] = reader.GetInt32(0) == 0 ? (row, entry.Replayed) : (entry.Stored, row);
            }
        }

        differences.AddRange(found.Select(f => new ViewDifference(table.Name, f.Key, f.Value.Stored, f.Value.Replayed)));
        return count;
    }

    private static int IndexOf(ViewTable table, string column)
    {
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (table.Columns[i] == column)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"{table.Name} has no column {column}");
    }

    /// <summary>
    /// The select list used for comparing. The reaper marks a blob <c>deleting</c> without an event
    /// (docs/gc.md, reaper step 1), so that state compares equal to the <c>condemned</c> that replay produces.
    /// </summary>
    private static string Comparable(ViewTable table)
    {
        var columns = new StringBuilder();
        foreach (var column in table.Columns)
        {
            columns.Append(columns.Length == 0 ? string.Empty : ", ");
            var quoted = ViewTable.Quote(column);
            columns.Append(table.Name == "blobs" && column == "state"
                ? $"CASE {quoted} WHEN 'deleting' THEN 'condemned' ELSE {quoted} END AS {quoted}"
                : quoted);
        }

        return columns.ToString();
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }
}
