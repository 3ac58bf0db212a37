using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// One unit of work inside a batch's transaction, which holds the head lock. <paramref name="headSeq"/> and
/// <paramref name="headHash"/> were read from the table under that lock, never remembered from an earlier batch.
/// </summary>
internal sealed class PostgresStoreWriter(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, long headSeq, byte[] headHash, int presenceKey)
    : IStoreWriter
{
    private readonly List<Func<CancellationToken, Task>> _flushes = [];

    public DateTimeOffset Now { get; } = now;

    public long HeadSeq { get; private set; } = headSeq;

    public byte[] HeadHash { get; private set; } = headHash;

    /// <summary>What must be durable before this unit of work commits, in registration order.</summary>
    public IReadOnlyList<Func<CancellationToken, Task>> Flushes => _flushes;

    public async Task<EventRecord> AppendAsync(NewEvent newEvent, CancellationToken cancellationToken)
    {
        var seq = HeadSeq + 1;
        var payload = newEvent.EncodePayload();
        var hash = EventChain.ComputeHash(seq, newEvent.Stream, newEvent.Type, Now, newEvent.Actor, payload, HeadHash);
        var record = new EventRecord(seq, newEvent.Stream, newEvent.Type, Now, newEvent.Actor, payload, HeadHash, hash);
        await PostgresEvents.InsertAsync(connection, transaction, record, cancellationToken);
        await PostgresProjector.ApplyAsync(connection, transaction, record, cancellationToken);
        (HeadSeq, HeadHash) = (seq, hash);
        return record;
    }

    public async Task AppendCopiedAsync(EventRecord record, CancellationToken cancellationToken)
    {
        if (EventChain.ContinuationProblem(record, HeadSeq, HeadHash) is { } problem)
        {
            throw new InvalidDataException(problem);
        }

        await PostgresEvents.InsertAsync(connection, transaction, record, cancellationToken);
        await PostgresProjector.ApplyAsync(connection, transaction, record, cancellationToken);
        (HeadSeq, HeadHash) = (record.Seq, record.Hash);
    }

    public void BeforeCommit(Func<CancellationToken, Task> flush) => _flushes.Add(flush);

    public Task<BlobRow?> GetBlobAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        PostgresBlobRows.GetAsync(connection, transaction, digest, cancellationToken);

    public Task PutInlineBlobAsync(StagedBlob blob, CancellationToken cancellationToken) =>
        PostgresInlineBlobs.PutAsync(connection, transaction, blob, Now, cancellationToken);

    public Task<long?> DeleteInlineBlobAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        PostgresInlineBlobs.DeleteAsync(connection, transaction, digest, cancellationToken);

    public Task<PackageView?> GetPackageAsync(Guid id, CancellationToken cancellationToken) =>
        PostgresViewQueries.ReadPackageAsync(connection, transaction, id.ToString(), cancellationToken);

    public Task SetBlobStateAsync(BlobDigest digest, BlobState state, CancellationToken cancellationToken) =>
        PostgresBlobRows.SetStateAsync(connection, transaction, digest, state, cancellationToken);

    public async Task<IdempotencyRecord?> GetIdempotencyAsync(string scope, string key, CancellationToken cancellationToken) =>
        (await Sql.QueryAsync(connection, transaction,
            "SELECT operation, state, fingerprint, resource_id, created_at, expires_at FROM idempotency WHERE scope = @scope AND key = @key",
            r => new IdempotencyRecord(
                scope,
                key,
                r.GetString(0),
                r.GetString(1) == "completed" ? IdempotencyState.Completed : IdempotencyState.InProgress,
                Sql.String(r, 2),
                Sql.String(r, 3),
                Rfc3339.Parse(r.GetString(4)),
                Rfc3339.Parse(r.GetString(5))),
            cancellationToken, ("scope", scope), ("key", key))).FirstOrDefault();

    /// <summary>An in-progress claim records this process's presence key, so that a restart can tell whether its owner still runs.</summary>
    public Task PutIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction, """
            INSERT INTO idempotency (scope, key, operation, state, fingerprint, resource_id, created_at, expires_at, owner_key)
            VALUES (@scope, @key, @operation, @state, @fingerprint, @resource, @created, @expires, @owner)
            ON CONFLICT (scope, key) DO UPDATE SET operation = excluded.operation, state = excluded.state,
                fingerprint = excluded.fingerprint, resource_id = excluded.resource_id,
                created_at = excluded.created_at, expires_at = excluded.expires_at, owner_key = excluded.owner_key
            """,
            cancellationToken,
            ("scope", record.Scope), ("key", record.Key), ("operation", record.Operation),
            ("state", record.State == IdempotencyState.Completed ? "completed" : "in_progress"),
            ("fingerprint", record.Fingerprint), ("resource", record.ResourceId),
            ("created", Rfc3339.ToText(record.CreatedAt)), ("expires", Rfc3339.ToText(record.ExpiresAt)),
            ("owner", record.State == IdempotencyState.InProgress ? presenceKey : null));

    public Task DeleteIdempotencyAsync(string scope, string key, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction, "DELETE FROM idempotency WHERE scope = @scope AND key = @key", cancellationToken,
            ("scope", scope), ("key", key));

    /// <summary>
    /// The conditions stand on the deleted row too, not only in the subquery: a claim that another replica commits
    /// on the same key meanwhile (an in-progress record, or a new expiry) is seen by the delete's recheck of the
    /// row and kept.
    /// </summary>
    public Task<int> PurgeIdempotencyAsync(DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction, """
            DELETE FROM idempotency
            WHERE (scope, key) IN (
                SELECT scope, key FROM idempotency
                WHERE expires_at < @cutoff AND state = 'completed' ORDER BY expires_at LIMIT @limit)
              AND expires_at < @cutoff AND state = 'completed'
            """,
            cancellationToken, ("cutoff", Rfc3339.ToText(expiredBefore)), ("limit", limit));

    public Task<JobView?> GetJobAsync(Guid id, CancellationToken cancellationToken) =>
        PostgresJobRows.GetAsync(connection, transaction, id, cancellationToken);

    public Task<JobView?> NextQueuedJobAsync(DateTimeOffset now, IReadOnlyCollection<string> types, CancellationToken cancellationToken) =>
        PostgresJobRows.NextQueuedAsync(connection, transaction, now, types, cancellationToken);

    public async Task<JobLease?> GetJobLeaseAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await PostgresJobRows.LeasesAsync(connection, transaction, jobId, cancellationToken)) is [var lease, ..] ? lease : null;

    public Task PutJobLeaseAsync(JobLease lease, CancellationToken cancellationToken) =>
        PostgresJobRows.PutLeaseAsync(connection, transaction, lease, cancellationToken);

    public Task DeleteJobLeaseAsync(Guid jobId, CancellationToken cancellationToken) =>
        PostgresJobRows.DeleteLeaseAsync(connection, transaction, jobId, cancellationToken);

    public async Task<MaintenanceLease?> GetMaintenanceLeaseAsync(string name, CancellationToken cancellationToken) =>
        (await Sql.QueryAsync(connection, transaction, "SELECT holder, expires_at FROM maintenance_leases WHERE name = @name",
            r => new MaintenanceLease(name, r.GetString(0), Rfc3339.Parse(r.GetString(1))), cancellationToken, ("name", name))).FirstOrDefault();

    public Task PutMaintenanceLeaseAsync(MaintenanceLease lease, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction, """
            INSERT INTO maintenance_leases (name, holder, expires_at) VALUES (@name, @holder, @expires)
            ON CONFLICT (name) DO UPDATE SET holder = @holder, expires_at = @expires
            """,
            cancellationToken, ("name", lease.Name), ("holder", lease.Holder), ("expires", Rfc3339.ToText(lease.ExpiresAt)));

    public Task DeleteMaintenanceLeaseAsync(string name, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction, "DELETE FROM maintenance_leases WHERE name = @name", cancellationToken, ("name", name));

    /// <summary>Empties every view and replays the whole log through the same projector that live writes use.</summary>
    public async Task RebuildViewsAsync(CancellationToken cancellationToken)
    {
        foreach (var table in await PostgresViewTables.ReadAsync(connection, transaction, await PostgresViewTables.CurrentSchemaAsync(connection, transaction, cancellationToken), cancellationToken))
        {
            await Sql.ExecuteAsync(connection, transaction, $"DELETE FROM {PostgresViewTables.Quote(table.Name)}", cancellationToken);
        }

        await PostgresReplay.ReplayAsync(connection, transaction, "events", cancellationToken);
    }
}
