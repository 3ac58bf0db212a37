using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>One unit of work on the writer connection, inside a <c>BEGIN IMMEDIATE</c> transaction.</summary>
internal sealed class SqliteStoreWriter(SqliteConnection connection, SqliteTransaction transaction, DateTimeOffset now, long headSeq, byte[] headHash)
    : IStoreWriter
{
    private readonly List<Func<CancellationToken, Task>> _flushes = [];

    // Blob rows this unit read (GetBlobAsync) since its last event, unchanged since: the projection of the next
    // package.created takes them instead of reading each row again (about two reads per small package). Anything
    // that may change a blob row drops them: this writer's own state change drops that row, and every event
    // appended drops all of them, since its projection may change any row.
    private readonly Dictionary<BlobDigest, BlobRow?> _blobRowsRead = [];

    public DateTimeOffset Now { get; } = now;

    public long HeadSeq { get; private set; } = headSeq;

    public byte[] HeadHash { get; private set; } = headHash;

    public Task<EventRecord> AppendAsync(NewEvent newEvent, CancellationToken cancellationToken)
    {
        var seq = HeadSeq + 1;
        var payload = newEvent.EncodePayload();
        var hash = EventChain.ComputeHash(seq, newEvent.Stream, newEvent.Type, Now, newEvent.Actor, payload, HeadHash);
        var record = new EventRecord(seq, newEvent.Stream, newEvent.Type, Now, newEvent.Actor, payload, HeadHash, hash);
        SqliteEvents.Insert(connection, transaction, record);
        try
        {
            SqliteProjector.Apply(connection, transaction, record, newEvent.Payload, _blobRowsRead);
        }
        finally
        {
            _blobRowsRead.Clear();
        }

        (HeadSeq, HeadHash) = (seq, hash);
        return Task.FromResult(record);
    }

    public Task AppendCopiedAsync(EventRecord record, CancellationToken cancellationToken)
    {
        if (EventChain.ContinuationProblem(record, HeadSeq, HeadHash) is { } problem)
        {
            throw new InvalidDataException(problem);
        }

        _blobRowsRead.Clear();
        SqliteEvents.Insert(connection, transaction, record);
        SqliteProjector.Apply(connection, transaction, record);
        (HeadSeq, HeadHash) = (record.Seq, record.Hash);
        return Task.CompletedTask;
    }

    /// <summary>What must be durable before this unit of work commits, in registration order.</summary>
    public IReadOnlyList<Func<CancellationToken, Task>> Flushes => _flushes;

    public void BeforeCommit(Func<CancellationToken, Task> flush) => _flushes.Add(flush);

    public Task<BlobRow?> GetBlobAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var row = SqliteBlobRows.Get(connection, transaction, digest);
        _blobRowsRead[digest] = row;
        return Task.FromResult(row);
    }

    public Task PutInlineBlobAsync(StagedBlob blob, CancellationToken cancellationToken)
    {
        SqliteInlineBlobs.Put(connection, transaction, blob, Now);
        return Task.CompletedTask;
    }

    public Task<long?> DeleteInlineBlobAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        Task.FromResult(SqliteInlineBlobs.Delete(connection, transaction, digest));

    public Task<PackageView?> GetPackageAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(SqliteViewQueries.ReadPackage(connection, transaction, id.ToString()));

    public Task SetBlobStateAsync(BlobDigest digest, BlobState state, CancellationToken cancellationToken)
    {
        _blobRowsRead.Remove(digest);
        using var statement = Command("UPDATE blobs SET state = $state WHERE sha256 = $sha");
        var command = statement.Command;
        command.Parameters.AddWithValue("$state", BlobStates.ToText(state));
        command.Parameters.AddWithValue("$sha", digest.Hex);
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task<IdempotencyRecord?> GetIdempotencyAsync(string scope, string key, CancellationToken cancellationToken)
    {
        using var statement = Command("SELECT operation, state, fingerprint, resource_id, created_at, expires_at FROM idempotency WHERE scope = $scope AND key = $key");
        var command = statement.Command;
        command.Parameters.AddWithValue("$scope", scope);
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return Task.FromResult<IdempotencyRecord?>(null);
        }

        return Task.FromResult<IdempotencyRecord?>(new IdempotencyRecord(
            scope,
            key,
            reader.GetString(0),
            reader.GetString(1) == "completed" ? IdempotencyState.Completed : IdempotencyState.InProgress,
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            Rfc3339.Parse(reader.GetString(4)),
            Rfc3339.Parse(reader.GetString(5))));
    }

    public Task PutIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken)
    {
        using var statement = Command("""
            INSERT INTO idempotency (scope, key, operation, state, fingerprint, resource_id, created_at, expires_at)
            VALUES ($scope, $key, $operation, $state, $fingerprint, $resource, $created, $expires)
            ON CONFLICT (scope, key) DO UPDATE SET operation = excluded.operation, state = excluded.state,
                fingerprint = excluded.fingerprint, resource_id = excluded.resource_id,
                created_at = excluded.created_at, expires_at = excluded.expires_at
            """);
        var command = statement.Command;
        command.Parameters.AddWithValue("$scope", record.Scope);
        command.Parameters.AddWithValue("$key", record.Key);
        command.Parameters.AddWithValue("$operation", record.Operation);
        command.Parameters.AddWithValue("$state", record.State == IdempotencyState.Completed ? "completed" : "in_progress");
        command.Parameters.AddWithValue("$fingerprint", (object?)record.Fingerprint ?? DBNull.Value);
        command.Parameters.AddWithValue("$resource", (object?)record.ResourceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$created", Rfc3339.ToText(record.CreatedAt));
        command.Parameters.AddWithValue("$expires", Rfc3339.ToText(record.ExpiresAt));
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task DeleteIdempotencyAsync(string scope, string key, CancellationToken cancellationToken)
    {
        using var statement = Command("DELETE FROM idempotency WHERE scope = $scope AND key = $key");
        var command = statement.Command;
        command.Parameters.AddWithValue("$scope", scope);
        command.Parameters.AddWithValue("$key", key);
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken)
    {
        // The index on expires_at finds the candidates; in-progress claims are skipped, never removed.
        using var statement = Command("""
            DELETE FROM idempotency WHERE (scope, key) IN (
                SELECT scope, key FROM idempotency INDEXED BY idempotency_by_expiry
                WHERE expires_at < $cutoff AND state = 'completed' ORDER BY expires_at LIMIT $limit)
            """);
        var command = statement.Command;
        command.Parameters.AddWithValue("$cutoff", Rfc3339.ToText(expiredBefore));
        command.Parameters.AddWithValue("$limit", limit);
        return Task.FromResult(command.ExecuteNonQuery());
    }

    public Task<JobView?> GetJobAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(SqliteJobRows.Get(connection, transaction, id));

    public Task<JobView?> NextQueuedJobAsync(DateTimeOffset now, IReadOnlyCollection<string> types, CancellationToken cancellationToken) =>
        Task.FromResult(SqliteJobRows.NextQueued(connection, transaction, now, types));

    public Task<JobLease?> GetJobLeaseAsync(Guid jobId, CancellationToken cancellationToken) =>
        Task.FromResult(SqliteJobRows.Leases(connection, transaction, jobId) is [var lease, ..] ? lease : null);

    public Task PutJobLeaseAsync(JobLease lease, CancellationToken cancellationToken)
    {
        SqliteJobRows.PutLease(connection, transaction, lease);
        return Task.CompletedTask;
    }

    public Task DeleteJobLeaseAsync(Guid jobId, CancellationToken cancellationToken)
    {
        SqliteJobRows.DeleteLease(connection, transaction, jobId);
        return Task.CompletedTask;
    }

    public Task<MaintenanceLease?> GetMaintenanceLeaseAsync(string name, CancellationToken cancellationToken)
    {
        using var statement = Command("SELECT holder, expires_at FROM maintenance_leases WHERE name = $name");
        var command = statement.Command;
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read() ? new MaintenanceLease(name, reader.GetString(0), Rfc3339.Parse(reader.GetString(1))) : null);
    }

    public Task PutMaintenanceLeaseAsync(MaintenanceLease lease, CancellationToken cancellationToken)
    {
        SqliteProjector.Execute(connection, transaction, """
            INSERT INTO maintenance_leases (name, holder, expires_at) VALUES ($name, $holder, $expires)
            ON CONFLICT (name) DO UPDATE SET holder = $holder, expires_at = $expires
            """,
            ("$name", lease.Name), ("$holder", lease.Holder), ("$expires", Rfc3339.ToText(lease.ExpiresAt)));
        return Task.CompletedTask;
    }

    public Task DeleteMaintenanceLeaseAsync(string name, CancellationToken cancellationToken)
    {
        SqliteProjector.Execute(connection, transaction, "DELETE FROM maintenance_leases WHERE name = $name", ("$name", name));
        return Task.CompletedTask;
    }

    /// <summary>Empties every view and replays the whole log through the same projector that live writes use.</summary>
    public void RebuildViews(CancellationToken cancellationToken)
    {
        _blobRowsRead.Clear();
        foreach (var table in SqliteViewTables.Read(connection, transaction))
        {
            using var statement = Command($"DELETE FROM {ViewTable.Quote(table.Name)}");
            var delete = statement.Command;
            delete.ExecuteNonQuery();
        }

        SqliteReplay.Replay(connection, transaction, "events", cancellationToken);
    }

    private SqliteStatements.Statement Command(string sql) => SqliteStatements.Get(connection, transaction, sql);
}
