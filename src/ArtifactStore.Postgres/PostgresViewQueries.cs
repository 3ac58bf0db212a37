using System.Data;
using System.Globalization;
using System.Text;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// Reads of the views on pooled connections. A read made of several statements runs in one
/// <c>REPEATABLE READ</c> read-only transaction, so it sees one committed state.
/// </summary>
internal sealed class PostgresViewQueries(NpgsqlDataSource dataSource) : IViewQueries
{
    public Task<PackageView?> GetPackageAsync(Guid id, CancellationToken cancellationToken) =>
        InSnapshotAsync((connection, transaction) => ReadPackageAsync(connection, transaction, id.ToString(), cancellationToken), cancellationToken);

    public Task<PackagePage> ListPackagesAsync(PackageQuery query, CancellationToken cancellationToken) =>
        InSnapshotAsync(async (connection, transaction) =>
        {
            var sql = new StringBuilder("SELECT id FROM packages p WHERE state = @state");
            var parameters = new List<(string, object?)> { ("state", query.State == PackageState.Live ? "live" : "deleted") };
            if (query.Name is not null)
            {
                sql.Append(" AND name = @name");
                parameters.Add(("name", query.Name));
            }

            if (query.NamePrefix is { Length: > 0 } prefix)
            {
                // substr, not LIKE: a prefix is compared as text, with no wildcard characters to escape.
                sql.Append(" AND substr(name, 1, length(@prefix)) = @prefix");
                parameters.Add(("prefix", prefix));
            }

            if (query.RetentionClass is not null)
            {
                sql.Append(" AND retention_class = @class");
                parameters.Add(("class", query.RetentionClass));
            }

            if (query.EligibleOnly)
            {
                sql.Append(" AND eligible = 1");
            }

            if (query.Before is { } before)
            {
                sql.Append(" AND id < @before");
                parameters.Add(("before", before.ToString()));
            }

            for (var i = 0; i < query.Labels.Count; i++)
            {
                sql.Append(CultureInfo.InvariantCulture,
                    $" AND EXISTS (SELECT 1 FROM package_labels l WHERE l.package_id = p.id AND l.key = @k{i} AND l.value = @v{i})");
                parameters.Add(($"k{i}", query.Labels[i].Key));
                parameters.Add(($"v{i}", query.Labels[i].Value));
            }

            sql.Append(" ORDER BY id DESC LIMIT @limit");
            parameters.Add(("limit", query.Limit + 1));
            var ids = await Sql.QueryAsync(connection, transaction, sql.ToString(), r => r.GetString(0), cancellationToken, [.. parameters]);
            var items = new List<PackageView>();
            foreach (var id in ids.Take(query.Limit))
            {
                items.Add((await ReadPackageAsync(connection, transaction, id, cancellationToken))!);
            }

            return new PackagePage(items, ids.Count > query.Limit ? items[^1].Id : null);
        }, cancellationToken);

    public Task<StorageUsage> GetStorageUsageAsync(CancellationToken cancellationToken) =>
        InSnapshotAsync(async (connection, transaction) =>
        {
            var classes = await Sql.QueryAsync(connection, transaction, StorageUsageSql.Classes,
                r => new ClassUsage(r.GetString(0), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture)),
                cancellationToken);
            var blobs = await Sql.QueryAsync(connection, transaction, StorageUsageSql.Blobs,
                r => (Count: Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), Bytes: Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture)),
                cancellationToken);
            return new StorageUsage(classes, blobs[0].Count, blobs[0].Bytes);
        }, cancellationToken);

    public Task<BlobRow?> GetBlobAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        OnConnectionAsync(connection => PostgresBlobRows.GetAsync(connection, null, digest, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<BlobRow>> ListBlobsAsync(BlobDigest? after, int limit, CancellationToken cancellationToken) =>
        ListAsync($"SELECT {PostgresBlobRows.Columns} FROM blobs WHERE sha256 > @after ORDER BY sha256 LIMIT @limit",
            PostgresBlobRows.Read, cancellationToken, ("after", after?.Hex ?? string.Empty), ("limit", limit));

    public Task<InlineBlob?> GetInlineBlobAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        OnConnectionAsync(connection => PostgresInlineBlobs.GetAsync(connection, null, digest, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<BlobDigest>> ListInlineBlobsAsync(BlobDigest? after, int limit, CancellationToken cancellationToken) =>
        OnConnectionAsync(connection => PostgresInlineBlobs.ListAsync(connection, null, after, limit, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<IdempotencyRecord>> ListCompletedIdempotencyAsync(CancellationToken cancellationToken) =>
        ListAsync("""
            SELECT scope, key, operation, fingerprint, resource_id, created_at, expires_at FROM idempotency
            WHERE state = 'completed' ORDER BY scope, key
            """,
            r => new IdempotencyRecord(r.GetString(0), r.GetString(1), r.GetString(2), IdempotencyState.Completed,
                Sql.String(r, 3), Sql.String(r, 4), Rfc3339.Parse(r.GetString(5)), Rfc3339.Parse(r.GetString(6))),
            cancellationToken);

    public Task<long> CountPurgeableIdempotencyAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) =>
        OnConnectionAsync(async connection =>
            Convert.ToInt64(await Sql.ScalarAsync(connection, null,
                "SELECT count(*) FROM idempotency WHERE expires_at < @cutoff AND state = 'completed'",
                cancellationToken, ("cutoff", Rfc3339.ToText(expiredBefore))), CultureInfo.InvariantCulture),
            cancellationToken);

    public Task<long> GetHeadSeqAsync(CancellationToken cancellationToken) =>
        OnConnectionAsync(async connection =>
            Convert.ToInt64(await Sql.ScalarAsync(connection, null, "SELECT COALESCE(MAX(seq), 0) FROM events", cancellationToken), CultureInfo.InvariantCulture),
            cancellationToken);

    // A candidate list narrowed by an index; the rule itself is RetentionView.IsDeletable (Core), which
    // the sweeper re-checks for every candidate inside its unit of work.
    public Task<IReadOnlyList<SweepItem>> FindNewlyDeletableAsync(DateTimeOffset asOf, CancellationToken cancellationToken) =>
        ListAsync("""
            SELECT id, name, expires_at FROM packages p
            WHERE state = 'live' AND eligible = 0 AND expires_at IS NOT NULL AND expires_at <= @as_of
              AND pinned = 0
              AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.package_id = p.id AND h.released_at IS NULL)
              AND NOT EXISTS (SELECT 1 FROM jobs j
                  WHERE (j.input_package_id = p.id OR j.output_package_id = p.id OR j.log_package_id = p.id)
                    AND (j.pinned = 1 OR j.state IN ('queued', 'running')))
            ORDER BY expires_at, id
            """,
            r => new SweepItem(Guid.Parse(r.GetString(0)), r.GetString(1), Rfc3339.Parse(r.GetString(2))),
            cancellationToken, ("as_of", Rfc3339.ToText(asOf)));

    public Task<IReadOnlyList<Guid>> FindEligibleAsync(CancellationToken cancellationToken) =>
        ListAsync("SELECT id FROM packages WHERE state = 'live' AND eligible = 1 ORDER BY id", ReadId, cancellationToken);

    public Task<IReadOnlyList<BlobRow>> FindReapableBlobsAsync(DateTimeOffset condemnedBefore, CancellationToken cancellationToken) =>
        ListAsync($"""
            SELECT {PostgresBlobRows.Columns} FROM blobs
            WHERE state = 'deleting' OR (state = 'condemned' AND refcount = 0 AND condemned_at <= @cutoff)
            ORDER BY sha256
            """,
            PostgresBlobRows.Read, cancellationToken, ("cutoff", Rfc3339.ToText(condemnedBefore)));

    public Task<IReadOnlyList<Guid>> FindPurgeableTombstonesAsync(DateTimeOffset deletedBefore, CancellationToken cancellationToken) =>
        ListAsync("SELECT id FROM packages WHERE state = 'deleted' AND deleted_at <= @cutoff ORDER BY deleted_at, id",
            ReadId, cancellationToken, ("cutoff", Rfc3339.ToText(deletedBefore)));

    public async Task<TokenRecord?> FindTokenAsync(string secretSha256, CancellationToken cancellationToken) =>
        (await ListAsync($"SELECT {TokenColumns} FROM tokens WHERE sha256 = @sha", ReadToken, cancellationToken, ("sha", secretSha256))) is [var token, ..] ? token : null;

    public Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken) =>
        ListAsync($"SELECT {TokenColumns} FROM tokens ORDER BY created_at, token_id", ReadToken, cancellationToken);

    public Task<JobView?> GetJobAsync(Guid id, CancellationToken cancellationToken) =>
        OnConnectionAsync(connection => PostgresJobRows.GetAsync(connection, null, id, cancellationToken), cancellationToken);

    public Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken) =>
        OnConnectionAsync(connection => PostgresJobRows.ListAsync(connection, null, query, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<JobLease>> ListJobLeasesAsync(CancellationToken cancellationToken) =>
        OnConnectionAsync(connection => PostgresJobRows.LeasesAsync(connection, null, null, cancellationToken), cancellationToken);

    public async Task<IReadOnlyDictionary<string, long>> CountJobsByStateAsync(CancellationToken cancellationToken) =>
        (await ListAsync("SELECT state, COUNT(*) FROM jobs GROUP BY state", r => (State: r.GetString(0), Count: r.GetInt64(1)), cancellationToken))
            .ToDictionary(c => c.State, c => c.Count, StringComparer.Ordinal);

    public Task<IReadOnlyList<Guid>> FindRunningJobsAsync(CancellationToken cancellationToken) =>
        ListAsync("SELECT id FROM jobs WHERE state = 'running' ORDER BY id", ReadId, cancellationToken);

    public Task<IReadOnlyList<Guid>> FindExpiredJobsAsync(DateTimeOffset asOf, CancellationToken cancellationToken) =>
        ListAsync("""
            SELECT id FROM jobs
            WHERE state IN ('succeeded', 'failed', 'canceled') AND pinned = 0 AND expires_at IS NOT NULL AND expires_at <= @as_of
            ORDER BY expires_at, id
            """,
            ReadId, cancellationToken, ("as_of", Rfc3339.ToText(asOf)));

    public Task<IReadOnlyList<Guid>> FindPurgeableJobTombstonesAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) =>
        ListAsync("SELECT id FROM jobs WHERE state = 'expired' AND expired_at <= @cutoff ORDER BY expired_at, id",
            ReadId, cancellationToken, ("cutoff", Rfc3339.ToText(expiredBefore)));

    public async Task<Guid?> FindOciTagAsync(string repository, string tag, CancellationToken cancellationToken) =>
        (await ListAsync(OciViewSql.FindTag, ReadId, cancellationToken, ("repository", repository), ("tag", tag))) is [var id] ? id : null;

    public Task<IReadOnlyList<string>> ListOciTagsAsync(string repository, string after, int limit, CancellationToken cancellationToken) =>
        ListAsync(OciViewSql.ListTags, r => r.GetString(0), cancellationToken, ("repository", repository), ("last", after), ("limit", limit));

    public async Task<bool> HasOciManifestsAsync(string repository, CancellationToken cancellationToken) =>
        (await ListAsync(OciViewSql.HasManifests, r => r.GetInt64(0), cancellationToken, ("repository", repository))) is [> 0];

    public Task<IReadOnlyList<string>> ListOciRepositoriesAsync(string after, int limit, CancellationToken cancellationToken) =>
        ListAsync(OciViewSql.ListRepositories, r => r.GetString(0), cancellationToken, ("last", after), ("limit", limit));

    /// <summary>The package with its files, labels, holds and keeping job, read inside <paramref name="transaction"/>; null when there is none.</summary>
    internal static async Task<PackageView?> ReadPackageAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        var rows = await Sql.QueryAsync(connection, transaction, """
            SELECT name, state, created_at, created_by, retention_class, manifest_sha256, manifest_size, expires_at, pinned, eligible,
                   deleted_at, delete_reason, bytes_released
            FROM packages WHERE id = @id
            """,
            r => (Name: r.GetString(0), Live: r.GetString(1) == "live", CreatedAt: Rfc3339.Parse(r.GetString(2)), CreatedBy: r.GetString(3),
                Class: Sql.String(r, 4) ?? string.Empty, Manifest: BlobDigest.Parse(r.GetString(5)), ManifestSize: r.GetInt64(6),
                ExpiresAt: Sql.Time(r, 7), Pinned: r.GetInt32(8) != 0, Eligible: r.GetInt32(9) != 0,
                Tombstone: r.IsDBNull(10) ? null : new PackageTombstone(Rfc3339.Parse(r.GetString(10)), r.GetString(11), r.GetInt64(12))),
            cancellationToken, ("id", id));
        if (rows.Count == 0)
        {
            return null;
        }

        var row = rows[0];
        var files = await Sql.QueryAsync(connection, transaction,
            "SELECT path, size, sha256, blake3, media_type FROM package_files WHERE package_id = @id ORDER BY path",
            r => new PackageFile(r.GetString(0), r.GetInt64(1), BlobDigest.Parse(r.GetString(2)), r.GetString(3), r.GetString(4)),
            cancellationToken, ("id", id));
        var labels = await Sql.QueryAsync(connection, transaction,
            "SELECT key, value FROM package_labels WHERE package_id = @id ORDER BY key",
            r => KeyValuePair.Create(r.GetString(0), r.GetString(1)), cancellationToken, ("id", id));
        var holds = await Sql.QueryAsync(connection, transaction, """
            SELECT hold_id, reason, actor, applied_at, released_at, released_by, release_reason
            FROM holds WHERE package_id = @id ORDER BY applied_at, hold_id
            """,
            r => new HoldView(r.GetString(0), r.GetString(1), r.GetString(2), Rfc3339.Parse(r.GetString(3)), Sql.Time(r, 4), Sql.String(r, 5), Sql.String(r, 6)),
            cancellationToken, ("id", id));
        var retention = new RetentionView(row.ExpiresAt, row.Pinned, holds, row.Eligible)
        {
            KeptByJob = await PostgresJobRows.KeeperOfAsync(connection, transaction, id, cancellationToken),
        };
        return new PackageView(Guid.Parse(id), row.Name, labels, row.Live ? PackageState.Live : PackageState.Deleted, row.CreatedAt, row.CreatedBy,
            row.Class, row.Manifest, row.ManifestSize, files, retention, row.Tombstone);
    }

    private const string TokenColumns = "token_id, name, role, created_at, created_by, revoked_at, revoked_by";

    private static TokenRecord ReadToken(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        Roles.TryParse(reader.GetString(2), out var role) ? role : throw new InvalidDataException($"unknown role '{reader.GetString(2)}'"),
        Rfc3339.Parse(reader.GetString(3)),
        reader.GetString(4),
        Sql.Time(reader, 5),
        Sql.String(reader, 6));

    private static Guid ReadId(NpgsqlDataReader reader) => Guid.Parse(reader.GetString(0));

    private async Task<IReadOnlyList<T>> ListAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        await OnConnectionAsync(connection => Sql.QueryAsync(connection, null, sql, read, cancellationToken, parameters), cancellationToken);

    private async Task<T> OnConnectionAsync<T>(Func<NpgsqlConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await read(connection);
    }

    private async Task<T> InSnapshotAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var result = await read(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
