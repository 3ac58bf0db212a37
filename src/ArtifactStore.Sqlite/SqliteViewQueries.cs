using System.Globalization;
using System.Text;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

internal sealed partial class SqliteViewQueries(Func<SqliteConnection> openReader) : IViewQueries
{
    public Task<PackageView?> GetPackageAsync(Guid id, CancellationToken cancellationToken)
    {
        using var connection = openReader();
        using var transaction = connection.BeginTransaction(deferred: true);
        return Task.FromResult(ReadPackage(connection, transaction, id.ToString()));
    }

    public Task<PackagePage> ListPackagesAsync(PackageQuery query, CancellationToken cancellationToken)
    {
        using var connection = openReader();
        using var transaction = connection.BeginTransaction(deferred: true);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder("SELECT id FROM packages p WHERE state = $state");
        command.Parameters.AddWithValue("$state", query.State == PackageState.Live ? "live" : "deleted");
        if (query.Name is not null)
        {
            sql.Append(" AND name = $name");
            command.Parameters.AddWithValue("$name", query.Name);
        }

        if (query.NamePrefix is { Length: > 0 } prefix)
        {
            // substr, not LIKE: a prefix is compared as text, with no wildcard characters to escape.
            sql.Append(" AND substr(name, 1, length($prefix)) = $prefix");
            command.Parameters.AddWithValue("$prefix", prefix);
        }

        if (query.RetentionClass is not null)
        {
            sql.Append(" AND retention_class = $class");
            command.Parameters.AddWithValue("$class", query.RetentionClass);
        }

        if (query.EligibleOnly)
        {
            sql.Append(" AND eligible = 1");
        }

        if (query.Before is { } before)
        {
            sql.Append(" AND id < $before");
            command.Parameters.AddWithValue("$before", before.ToString());
        }

        for (var i = 0; i < query.Labels.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture,
                $" AND EXISTS (SELECT 1 FROM package_labels l WHERE l.package_id = p.id AND l.key = $k{i} AND l.value = $v{i})");
            command.Parameters.AddWithValue($"$k{i}", query.Labels[i].Key);
            command.Parameters.AddWithValue($"$v{i}", query.Labels[i].Value);
        }

        sql.Append(" ORDER BY id DESC LIMIT $limit");
        command.Parameters.AddWithValue("$limit", query.Limit + 1);
        command.CommandText = sql.ToString();

        var ids = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        var more = ids.Count > query.Limit;
        var items = ids.Take(query.Limit).Select(id => ReadPackage(connection, transaction, id)!).ToList();
        var next = more ? items[^1].Id : (Guid?)null;
        return Task.FromResult(new PackagePage(items, next));
    }

    public Task<BlobRow?> GetBlobAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        using var connection = openReader();
        return Task.FromResult(SqliteBlobRows.Get(connection, null, digest));
    }

    public Task<long> CountPurgeableIdempotencyAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        using var connection = openReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM idempotency INDEXED BY idempotency_by_expiry WHERE expires_at < $cutoff AND state = 'completed'";
        command.Parameters.AddWithValue("$cutoff", Rfc3339.ToText(expiredBefore));
        return Task.FromResult(Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    public Task<long> GetHeadSeqAsync(CancellationToken cancellationToken)
    {
        using var connection = openReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM events";
        return Task.FromResult(Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    internal static PackageView? ReadPackage(SqliteConnection connection, SqliteTransaction transaction, string id)
    {
        using var statement = SqliteStatements.Get(connection, transaction, """
            SELECT name, state, created_at, created_by, retention_class, manifest_sha256, manifest_size, expires_at, pinned, eligible,
                   deleted_at, delete_reason, bytes_released
            FROM packages WHERE id = $id
            """);
        var command = statement.Command;
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var retention = new RetentionView(
            reader.IsDBNull(7) ? null : Rfc3339.Parse(reader.GetString(7)),
            reader.GetInt64(8) != 0,
            ReadHolds(connection, transaction, id),
            reader.GetInt64(9) != 0)
        {
            KeptByJob = SqliteJobRows.KeeperOf(connection, transaction, id),
        };
        return new PackageView(
            Guid.Parse(id),
            reader.GetString(0),
            ReadLabels(connection, transaction, id),
            reader.GetString(1) == "live" ? PackageState.Live : PackageState.Deleted,
            Rfc3339.Parse(reader.GetString(2)),
            reader.GetString(3),
            reader.IsDBNull(4) ? string.Empty : reader.GetString(4),
            BlobDigest.Parse(reader.GetString(5)),
            reader.GetInt64(6),
            ReadFiles(connection, transaction, id),
            retention,
            reader.IsDBNull(10) ? null : new PackageTombstone(Rfc3339.Parse(reader.GetString(10)), reader.GetString(11), reader.GetInt64(12)));
    }

    private static List<PackageFile> ReadFiles(SqliteConnection connection, SqliteTransaction transaction, string id)
    {
        using var statement = SqliteStatements.Get(connection, transaction, "SELECT path, size, sha256, blake3, media_type FROM package_files WHERE package_id = $id ORDER BY path");
        var command = statement.Command;
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var files = new List<PackageFile>();
        while (reader.Read())
        {
            files.Add(new PackageFile(reader.GetString(0), reader.GetInt64(1), BlobDigest.Parse(reader.GetString(2)), reader.GetString(3), reader.GetString(4)));
        }

        return files;
    }

    private static List<KeyValuePair<string, string>> ReadLabels(SqliteConnection connection, SqliteTransaction transaction, string id)
    {
        using var statement = SqliteStatements.Get(connection, transaction, "SELECT key, value FROM package_labels WHERE package_id = $id ORDER BY key");
        var command = statement.Command;
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var labels = new List<KeyValuePair<string, string>>();
        while (reader.Read())
        {
            labels.Add(KeyValuePair.Create(reader.GetString(0), reader.GetString(1)));
        }

        return labels;
    }

    private static List<HoldView> ReadHolds(SqliteConnection connection, SqliteTransaction transaction, string id)
    {
        using var statement = SqliteStatements.Get(connection, transaction, """
            SELECT hold_id, reason, actor, applied_at, released_at, released_by, release_reason
            FROM holds WHERE package_id = $id ORDER BY applied_at, hold_id
            """);
        var command = statement.Command;
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var holds = new List<HoldView>();
        while (reader.Read())
        {
            holds.Add(new HoldView(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                Rfc3339.Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : Rfc3339.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return holds;
    }
}
