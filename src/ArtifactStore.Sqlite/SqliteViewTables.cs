using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// Which tables are views (derived from the events, so rebuilt by replay and compared by fsck), read
/// from the schema itself rather than listed by hand: every table is a view except the ones named in
/// <see cref="NotViews"/>. A schema script that adds a table of source-of-truth or operational state
/// (something replay cannot recreate) must add it to <see cref="NotViews"/>; otherwise rebuild-views
/// would empty it and fsck would report it as differing from a replay.
/// </summary>
internal static class SqliteViewTables
{
    /// <summary>Tables that are not derived from events.</summary>
    public static readonly IReadOnlySet<string> NotViews = new HashSet<string>(StringComparer.Ordinal)
    {
        "events",         // the log itself: the source of truth
        "schema_version", // which schema scripts ran
        "idempotency",    // operational: request claims and results, not events
        "job_leases",     // operational: who runs which attempt until when; heartbeats are not events
        "maintenance_leases", // operational: which process runs GC or the retention sweep until when
        "inline_blobs",   // source of truth: the bytes of small blobs (docs/upload.md, "Small blobs")
    };

    /// <summary>The view tables of the schema in <paramref name="schema"/> (<c>main</c>, or an attached name), sorted by name.</summary>
    public static IReadOnlyList<ViewTable> Read(SqliteConnection connection, SqliteTransaction? transaction = null, string schema = "main")
    {
        var names = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"SELECT name FROM \"{schema}\".sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
        }

        return names.Where(n => !NotViews.Contains(n)).Select(n => Describe(connection, transaction, schema, n)).ToList();
    }

    private static ViewTable Describe(SqliteConnection connection, SqliteTransaction? transaction, string schema, string table)
    {
        var columns = new List<(string Name, int KeyPosition)>();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT name, pk FROM pragma_table_info('{table}', '{schema}') ORDER BY cid";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            columns.Add((reader.GetString(0), reader.GetInt32(1)));
        }

        var key = columns.Where(c => c.KeyPosition > 0).OrderBy(c => c.KeyPosition).Select(c => c.Name).ToList();
        // A table without a declared key is ordered and matched by all of its columns.
        return new ViewTable(table, columns.Select(c => c.Name).ToList(), key.Count > 0 ? key : columns.Select(c => c.Name).ToList());
    }
}
