using System.Data;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Storage;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// A read-only snapshot of a store database (fsck, backup verification): one connection of its own with one
/// <c>REPEATABLE READ</c> transaction spanning every read, so all of them see the state committed when the
/// first one ran, while servers keep writing. The store's tables are read schema-qualified; a replay writes
/// only into temporary tables of the same names, which the projector's unqualified names resolve to
/// (PostgreSQL searches the session's temporary schema first). The transaction is rolled back at the end,
/// which also drops them: nothing of the store is ever written.
/// </summary>
public sealed class PostgresSnapshot : IStoreSnapshot
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _live;
    private bool _scratchCreated;

    private PostgresSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, int schemaVersion)
    {
        _connection = connection;
        _transaction = transaction;
        _live = PostgresViewTables.Quote(schema);
        SchemaVersion = schemaVersion;
    }

    public int SchemaVersion { get; }

    /// <summary>Opens a snapshot of the store database <paramref name="connectionString"/> names.</summary>
    /// <exception cref="SchemaTooNewException">The database was written by a newer binary.</exception>
    public static async Task<PostgresSnapshot> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        // A connection of its own, not from a pool: it lives as long as the snapshot, however long fsck takes.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            var schema = await PostgresViewTables.CurrentSchemaAsync(connection, transaction, cancellationToken);
            var version = await PostgresSchema.ReadVersionAsync(connection, transaction, cancellationToken);
            if (version > PostgresSchema.LatestVersion)
            {
                throw new SchemaTooNewException(version, PostgresSchema.LatestVersion);
            }

            return new PostgresSnapshot(connection, transaction, schema, version);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async IAsyncEnumerable<EventRecord> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = 0L;
        while (true)
        {
            var batch = await PostgresEvents.ReadBatchAsync(_connection, _transaction, $"{_live}.events", after, 1000, cancellationToken);
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
        await using var command = Sql.Command(_connection, _transaction, $"SELECT {PostgresBlobRows.Columns} FROM {_live}.blobs ORDER BY sha256");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresBlobRows.Read(reader);
        }
    }

    public async Task<InlineBlob?> GetInlineBlobAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        SchemaVersion >= PostgresInlineBlobs.SinceSchemaVersion
            ? await PostgresInlineBlobs.GetAsync(_connection, _transaction, digest, cancellationToken, $"{_live}.inline_blobs")
            : null;

    public async Task<IReadOnlyList<BlobDigest>> ListInlineBlobsAsync(BlobDigest? after, int limit, CancellationToken cancellationToken) =>
        SchemaVersion >= PostgresInlineBlobs.SinceSchemaVersion
            ? await PostgresInlineBlobs.ListAsync(_connection, _transaction, after, limit, cancellationToken, $"{_live}.inline_blobs")
            : [];

    public async IAsyncEnumerable<BlobReference> ReadLiveReferencesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(_connection, _transaction, $"""
            SELECT f.sha256, p.id, p.name, f.path, f.size FROM {_live}.packages p JOIN {_live}.package_files f ON f.package_id = p.id WHERE p.state = 'live'
            UNION ALL
            SELECT p.manifest_sha256, p.id, p.name, NULL, p.manifest_size FROM {_live}.packages p WHERE p.state = 'live'
            ORDER BY 1, 2, 4
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new BlobReference(
                BlobDigest.Parse(reader.GetString(0)),
                Guid.Parse(reader.GetString(1)),
                reader.GetString(2),
                Sql.String(reader, 3),
                reader.GetInt64(4));
        }
    }

    public async Task<ViewComparison> CompareViewsWithReplayAsync(int maxReported, CancellationToken cancellationToken)
    {
        if (SchemaVersion != PostgresSchema.LatestVersion)
        {
            return new ViewComparison(0, [], 0, null,
                $"the database schema is version {SchemaVersion} and this binary replays into version {PostgresSchema.LatestVersion}; run 'artifactstore migrate' first");
        }

        var schema = await PostgresViewTables.CurrentSchemaAsync(_connection, _transaction, cancellationToken);
        var tables = await PostgresViewTables.ReadAsync(_connection, _transaction, schema, cancellationToken);
        foreach (var table in tables)
        {
            var name = PostgresViewTables.Quote(table.Name);
            await Sql.ExecuteAsync(_connection, _transaction,
                _scratchCreated ? $"TRUNCATE pg_temp.{name}" : $"CREATE TEMPORARY TABLE {name} (LIKE {_live}.{name} INCLUDING ALL)",
                cancellationToken);
        }

        _scratchCreated = true;
        long replayed;
        string? failure = null;
        try
        {
            replayed = await PostgresReplay.ReplayAsync(_connection, _transaction, $"{_live}.events", cancellationToken);
        }
        catch (ReplayFailedException e)
        {
            // Compare what the replay produced up to the damaged event: the differences still say where the views stand.
            replayed = e.Seq - 1;
            failure = e.Message;
        }

        var differences = new List<ViewDifference>();
        var count = 0L;
        foreach (var table in tables)
        {
            count += await CompareAsync(table, maxReported, differences, cancellationToken);
        }

        return new ViewComparison(replayed, differences, count, failure);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _transaction.RollbackAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection broke: the transaction, and the temporary tables with it, are gone either way.
        }

        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    /// <summary>Counts the rows of one table that differ and describes the first <paramref name="maxReported"/> of them by key.</summary>
    private async Task<long> CompareAsync(PostgresViewTables.Table table, int maxReported, List<ViewDifference> differences, CancellationToken cancellationToken)
    {
        var name = PostgresViewTables.Quote(table.Name);
        var stored = $"SELECT {Comparable(table)} FROM {_live}.{name}";
        var replayed = $"SELECT {Comparable(table)} FROM pg_temp.{name}";
        var key = table.OrderBy;
        var with = $"WITH a AS ({stored} EXCEPT {replayed}), b AS ({replayed} EXCEPT {stored})";
        var count = Convert.ToInt64(
            await Sql.ScalarAsync(_connection, _transaction, $"{with} SELECT COUNT(*) FROM (SELECT {key} FROM a UNION SELECT {key} FROM b) k", cancellationToken),
            CultureInfo.InvariantCulture);
        if (count == 0)
        {
            return 0;
        }

        var keyIndexes = table.Key.Select(k => 1 + IndexOf(table, k)).ToList();
        var rows = await Sql.QueryAsync(_connection, _transaction, $"""
            {with}, k AS (SELECT {key} FROM a UNION SELECT {key} FROM b ORDER BY {key} LIMIT {maxReported.ToString(CultureInfo.InvariantCulture)})
            SELECT 0, a.* FROM a JOIN k USING ({key})
            UNION ALL
            SELECT 1, b.* FROM b JOIN k USING ({key})
            """,
            r => (Replayed: r.GetInt32(0) == 1,
                Key: string.Join(", ", table.Key.Select((k, i) => $"{k}={Value(r, keyIndexes[i])}")),
                Row: string.Join(" | ", Enumerable.Range(1, r.FieldCount - 1).Select(i => Value(r, i)))),
            cancellationToken);
        var found = new SortedDictionary<string, (string? Stored, string? Replayed)>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var entry = found.GetValueOrDefault(row.Key);
            found[row.Key] = row.Replayed ? (entry.Stored, row.Row) : (row.Row, entry.Replayed);
        }

        differences.AddRange(found.Select(f => new ViewDifference(table.Name, f.Key, f.Value.Stored, f.Value.Replayed)));
        return count;
    }

    private static string Value(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? "NULL" : Convert.ToString(reader.GetValue(ordinal), CultureInfo.InvariantCulture) ?? "NULL";

    private static int IndexOf(PostgresViewTables.Table table, string column)
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
    private static string Comparable(PostgresViewTables.Table table)
    {
        var columns = new StringBuilder();
        foreach (var column in table.Columns)
        {
            columns.Append(columns.Length == 0 ? string.Empty : ", ");
            var quoted = PostgresViewTables.Quote(column);
            columns.Append(table.Name == "blobs" && column == "state"
                ? $"CASE {quoted} WHEN 'deleting' THEN 'condemned' ELSE {quoted} END AS {quoted}"
                : quoted);
        }

        return columns.ToString();
    }
}
