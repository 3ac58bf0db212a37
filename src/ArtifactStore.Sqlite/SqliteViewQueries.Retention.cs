using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

internal sealed partial class SqliteViewQueries
{
    // A candidate list narrowed by an index; the rule itself is RetentionView.IsDeletable (Core), which
    // the sweeper re-checks for every candidate inside its unit of work.
    public Task<IReadOnlyList<SweepItem>> FindNewlyDeletableAsync(DateTimeOffset asOf, CancellationToken cancellationToken) =>
        Query<SweepItem>("""
            SELECT id, name, expires_at FROM packages p INDEXED BY packages_expiring
            WHERE state = 'live' AND eligible = 0 AND expires_at IS NOT NULL AND expires_at <= $as_of
              AND pinned = 0
              AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.package_id = p.id AND h.released_at IS NULL)
              AND NOT EXISTS (SELECT 1 FROM jobs j
                  WHERE (j.input_package_id = p.id OR j.output_package_id = p.id OR j.log_package_id = p.id)
                    AND (j.pinned = 1 OR j.state IN ('queued', 'running')))
            ORDER BY expires_at, id
            """,
            r => new SweepItem(Guid.Parse(r.GetString(0)), r.GetString(1), Rfc3339.Parse(r.GetString(2))),
            ("$as_of", Rfc3339.ToText(asOf)));

    public Task<IReadOnlyList<Guid>> FindEligibleAsync(CancellationToken cancellationToken) =>
        Query("SELECT id FROM packages WHERE state = 'live' AND eligible = 1 ORDER BY id", r => Guid.Parse(r.GetString(0)));

    public async Task<IReadOnlyList<BlobRow>> FindReapableBlobsAsync(DateTimeOffset condemnedBefore, CancellationToken cancellationToken)
    {
        var digests = await Query("""
            SELECT sha256 FROM blobs
            WHERE state = 'deleting' OR (state = 'condemned' AND refcount = 0 AND condemned_at <= $cutoff)
            ORDER BY sha256
            """,
            r => BlobDigest.Parse(r.GetString(0)),
            ("$cutoff", Rfc3339.ToText(condemnedBefore)));
        using var connection = openReader();
        return digests.Select(d => SqliteBlobRows.Get(connection, null, d)).OfType<BlobRow>().ToList();
    }

    public Task<IReadOnlyList<Guid>> FindPurgeableTombstonesAsync(DateTimeOffset deletedBefore, CancellationToken cancellationToken) =>
        Query("SELECT id FROM packages WHERE state = 'deleted' AND deleted_at <= $cutoff ORDER BY deleted_at, id",
            r => Guid.Parse(r.GetString(0)), ("$cutoff", Rfc3339.ToText(deletedBefore)));

    public async Task<TokenRecord?> FindTokenAsync(string secretSha256, CancellationToken cancellationToken)
    {
        var found = await Query($"SELECT {TokenColumns} FROM tokens WHERE sha256 = $sha", ReadToken, ("$sha", secretSha256));
        return found.Count > 0 ? found[0] : null;
    }

    public Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken) =>
        Query($"SELECT {TokenColumns} FROM tokens ORDER BY created_at, token_id", ReadToken);

    public Task<StorageUsage> GetStorageUsageAsync(CancellationToken cancellationToken)
    {
        using var connection = openReader();
        using var transaction = connection.BeginTransaction(deferred: true);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = StorageUsageSql.Classes;
        var classes = new List<ClassUsage>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                classes.Add(new ClassUsage(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        command.CommandText = StorageUsageSql.Blobs;
        using var blobs = command.ExecuteReader();
        blobs.Read();
        return Task.FromResult(new StorageUsage(classes, blobs.GetInt64(0), blobs.GetInt64(1)));
    }

    private const string TokenColumns = "token_id, name, role, created_at, created_by, revoked_at, revoked_by";

    private static TokenRecord ReadToken(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        Roles.TryParse(reader.GetString(2), out var role) ? role : throw new InvalidDataException($"unknown role '{reader.GetString(2)}'"),
        Rfc3339.Parse(reader.GetString(3)),
        reader.GetString(4),
        reader.IsDBNull(5) ? null : Rfc3339.Parse(reader.GetString(5)),
        reader.IsDBNull(6) ? null : reader.GetString(6));

    private Task<IReadOnlyList<T>> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        using var connection = openReader();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var results = new List<T>();
        while (reader.Read())
        {
            results.Add(read(reader));
        }

        return Task.FromResult<IReadOnlyList<T>>(results);
    }
}
