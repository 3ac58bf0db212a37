using System.Runtime.CompilerServices;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// The store database on a PostgreSQL server that several processes (replicas) share (docs/postgres.md).
/// Units of work are committed in groups per process (<see cref="PostgresGroupCommit"/>), each group under
/// the head lock, so the log stays gapless and linear whoever appends. Reads use pooled connections and
/// see committed state only. Nothing here relies on an in-process lock for correctness: the head, the
/// leases, the idempotency claims and the job queue are all read inside the locked transaction.
/// </summary>
public sealed class PostgresStoreDatabase : IStoreDatabase
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private NpgsqlConnection? _presence;
    private PostgresGroupCommit? _commits;

    /// <param name="connectionString">An Npgsql connection string (<c>Store:Postgres:ConnectionString</c>).</param>
    /// <param name="time">The clock units of work record.</param>
    public PostgresStoreDatabase(string connectionString, TimeProvider time)
    {
        ConnectionString = WithServerDefaults(connectionString);
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
        _time = time;
        Views = new PostgresViewQueries(_dataSource);
    }

    /// <summary>The connection string in use: the configured one with the defaults this adapter adds where it says nothing.</summary>
    public string ConnectionString { get; }

    /// <summary>The newest schema version this binary knows (and migrates databases to).</summary>
    public static int LatestSchemaVersion => PostgresSchema.LatestVersion;

    public IViewQueries Views { get; }

    /// <summary>The schema version of the database <paramref name="connectionString"/> names, read without changing anything; 0 if there is none yet.</summary>
    public static async Task<int> ReadSchemaVersionAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(WithServerDefaults(connectionString)) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        return await PostgresSchema.ReadVersionAsync(connection, null, cancellationToken);
    }

    /// <summary>
    /// Creates or migrates the schema, announces this process (its presence lock), and clears the idempotency
    /// claims of processes that no longer run. Leases are left alone: on a shared database their holders may be
    /// live replicas, so they lapse when nobody renews them.
    /// </summary>
    /// <exception cref="SchemaTooNewException">The database was written by a newer binary.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        {
            await PostgresSchema.ApplyAsync(connection, cancellationToken);
        }

        var (presence, key) = await AnnouncePresenceAsync(cancellationToken);
        _presence = presence;
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        {
            // A claim whose owner holds no presence lock was made by a process that has stopped: its request
            // can never complete. Claims of live replicas stay.
            await Sql.ExecuteAsync(connection, null, """
                DELETE FROM idempotency i
                WHERE i.state = 'in_progress' AND (i.owner_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM pg_locks l
                    WHERE l.locktype = 'advisory' AND l.granted AND l.classid = @ns AND l.objid = i.owner_key AND l.objsubid = 2
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())))
                """, cancellationToken, ("ns", (long)PostgresLocks.Presence));
        }

        _commits = new PostgresGroupCommit(_dataSource, _time, key);
    }

    /// <summary>
    /// The live job logs kept in this database (<c>job_log_chunks</c>), written through to the local
    /// <c>logs/run.log</c> of each job's working directory under <paramref name="jobsDirectory"/>.
    /// </summary>
    public IJobLogStore CreateJobLogStore(string jobsDirectory) => new PostgresJobLogStore(_dataSource, jobsDirectory);

    /// <summary>The rows of the upload sessions kept in this database (<c>upload_sessions</c>, docs/upload.md).</summary>
    public PostgresUploadSessionRows CreateUploadSessionRows() => new(_dataSource);

    /// <summary>How many group commits have completed since this database was opened.</summary>
    internal long CommittedBatches => _commits?.CommittedBatches ?? 0;

    public Task<Result<T>> WriteAsync<T>(Func<IStoreWriter, CancellationToken, Task<Result<T>>> work, CancellationToken cancellationToken)
    {
        var commits = _commits ?? throw new InvalidOperationException("the database is not initialized");
        return commits.WriteAsync(work, cancellationToken);
    }

    public async IAsyncEnumerable<EventRecord> ReadEventsAsync(long afterSeq, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var record in await PostgresEvents.ReadBatchAsync(connection, null, "events", afterSeq, limit, cancellationToken))
        {
            yield return record;
        }
    }

    public async IAsyncEnumerable<EventRecord> ReadStreamAsync(string stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, $"SELECT {PostgresEvents.Columns} FROM events WHERE stream = @stream ORDER BY seq", ("stream", stream));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresEvents.Read(reader);
        }
    }

    public async Task RebuildViewsAsync(CancellationToken cancellationToken)
    {
        var result = await WriteAsync<bool>(async (writer, ct) =>
        {
            await ((PostgresStoreWriter)writer).RebuildViewsAsync(ct);
            return true;
        }, cancellationToken);
        _ = result.Value;
    }

    public async Task<HealthCheck> CheckHealthAsync(CancellationToken cancellationToken)
    {
        int version;
        try
        {
            version = await ReadSchemaVersionAsync(ConnectionString, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheck.Failed(HealthCheckNames.Database, $"the PostgreSQL database does not answer: {e.Message}",
                "check that the server runs and that Store:Postgres:ConnectionString names it, its database and a role that may log in");
        }

        return SchemaHealth.Check(version, PostgresSchema.LatestVersion, "database");
    }

    public async ValueTask DisposeAsync()
    {
        if (_commits is not null)
        {
            // Units already queued still run and commit; new ones are refused.
            await _commits.DisposeAsync();
            _commits = null;
        }

        if (_presence is not null)
        {
            // Dropping the presence lock makes this process's claims count as abandoned from now on. Unlocked
            // explicitly first: the server ends a closed session a moment after the client has gone, and a
            // process opening right after this one must already find the lock free.
            try
            {
                await Sql.ExecuteAsync(_presence, null, "SELECT pg_advisory_unlock_all()", CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The session is gone already, and its locks with it.
            }

            await _presence.DisposeAsync();
            _presence = null;
        }

        await _dataSource.DisposeAsync();
    }

    /// <summary>
    /// Takes a presence lock under a random key on a connection kept open (outside the pool) for as long as
    /// this database is: while it is held, other processes know this one runs.
    /// </summary>
    private async Task<(NpgsqlConnection Connection, int Key)> AnnouncePresenceAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, KeepAlive = 30 }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            while (true)
            {
                var key = Random.Shared.Next(1, int.MaxValue);
                if (await Sql.ScalarAsync(connection, null, "SELECT pg_try_advisory_lock(@ns, @key)", cancellationToken,
                        ("ns", PostgresLocks.Presence), ("key", key)) is true)
                {
                    return (connection, key);
                }
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Npgsql's defaults suit a server (a pool of at most 100 connections, 15 s to connect, 30 s per command,
    /// each surfacing as an error rather than a hang); this adds TCP keepalives, unless the configured string
    /// sets them, so that a connection to a server that vanished is noticed while idle in the pool.
    /// </summary>
    internal static string WithServerDefaults(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Keepalive") && !given.ContainsKey("Keep Alive"))
        {
            builder.KeepAlive = 30;
        }

        return builder.ToString();
    }
}
