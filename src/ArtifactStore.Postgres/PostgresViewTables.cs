using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// Which tables are views (derived from the events, so rebuilt by replay and compared by fsck), read from
/// the schema itself: every table is a view except the ones in <see cref="NotViews"/>. A schema script that
/// adds a table of source-of-truth or operational state must add it there.
/// </summary>
internal static class PostgresViewTables
{
    /// <summary>Tables that are not derived from events.</summary>
    public static readonly IReadOnlySet<string> NotViews = new HashSet<string>(StringComparer.Ordinal)
    {
        "events",             // the log itself: the source of truth
        "schema_version",     // which schema scripts ran
        "idempotency",        // operational: request claims and results, not events
        "job_leases",         // operational: who runs which attempt until when; heartbeats are not events
        "maintenance_leases", // operational: which process runs GC or the retention sweep until when
        "store_identity",     // the store's id and lane, checked by every replica before it opens the store
        "job_log_chunks",     // operational: live job logs; a job's final log is in its package
        "upload_sessions",    // operational: resumable uploads in progress; a finished one is a blob
        "upload_session_parts", // operational: the S3 parts of those uploads, listed for the completion
        "inline_blobs",       // source of truth: the bytes of small blobs (docs/upload.md, "Small blobs")
    };

    public static async Task<string> CurrentSchemaAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken) =>
        (string)(await Sql.ScalarAsync(connection, transaction, "SELECT current_schema()", cancellationToken))!;

    /// <summary>The view tables of <paramref name="schema"/>, sorted by name, with their columns and primary keys.</summary>
    public static async Task<IReadOnlyList<Table>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, CancellationToken cancellationToken)
    {
        var names = await Sql.QueryAsync(connection, transaction,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = @schema AND table_type = 'BASE TABLE' ORDER BY table_name COLLATE \"C\"",
            r => r.GetString(0), cancellationToken, ("schema", schema));
        var tables = new List<Table>();
        foreach (var name in names.Where(n => !NotViews.Contains(n)))
        {
            var columns = await Sql.QueryAsync(connection, transaction,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = @schema AND table_name = @table ORDER BY ordinal_position",
                r => r.GetString(0), cancellationToken, ("schema", schema), ("table", name));
            var key = await Sql.QueryAsync(connection, transaction, """
                SELECT a.attname FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = (quote_ident(@schema) || '.' || quote_ident(@table))::regclass AND i.indisprimary
                ORDER BY array_position(i.indkey::int2[], a.attnum)
                """, r => r.GetString(0), cancellationToken, ("schema", schema), ("table", name));
            // A table without a declared key is ordered and matched by all of its columns.
            tables.Add(new Table(name, columns, key.Count > 0 ? key : columns));
        }

        return tables;
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A view table: its columns in declaration order and the columns of its primary key.</summary>
    public sealed record Table(string Name, IReadOnlyList<string> Columns, IReadOnlyList<string> Key)
    {
        public string OrderBy => string.Join(", ", Key.Select(Quote));
    }
}
