using System.Runtime.CompilerServices;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Storage;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// The embedded database: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a commit is
/// on disk when it returns. Units of work are serialized on one writer connection and committed in
/// groups (<see cref="SqliteGroupCommit"/>): concurrent writers share one commit, each is answered
/// after it. Reads use pooled connections and see the last committed state.
/// </summary>
public sealed class SqliteStoreDatabase : IStoreDatabase
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private SqliteConnection? _writer;
    private SqliteGroupCommit? _commits;
    private SqliteStatements? _statements;

    /// <summary>WAL pages after which a commit checkpoints them into the database file (SQLite's default is 1000).</summary>
    internal const int WalAutoCheckpointPages = 4000;

    /// <summary>The database file's name inside the root's <c>db/</c> directory.</summary>
    public const string FileName = "artifactstore.db";

    public SqliteStoreDatabase(string databaseDirectory, TimeProvider time)
    {
        Directory.CreateDirectory(databaseDirectory);
        DatabasePath = Path.Combine(databaseDirectory, FileName);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _time = time;
        Views = new SqliteViewQueries(OpenReader);
    }

    public string DatabasePath { get; }

    /// <summary>The newest schema version this binary knows (and migrates databases to).</summary>
    public static int LatestSchemaVersion => SqliteSchema.LatestVersion;

    /// <summary>The schema version of the database in <paramref name="databaseDirectory"/>, read without changing anything; 0 if there is none yet.</summary>
    public static int ReadSchemaVersion(string databaseDirectory)
    {
        var path = Path.Combine(databaseDirectory, FileName);
        if (!File.Exists(path))
        {
            return 0;
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return SqliteSchema.ReadVersion(connection);
    }

    public IViewQueries Views { get; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var writer = new SqliteConnection(_connectionString);
        try
        {
            await InitializeAsync(writer, cancellationToken);
        }
        catch (Exception e)
        {
            // Opening writes too (the WAL index, the schema, the leftovers cleared below): a full disk
            // here is reported as such, and the half-opened connection is closed.
            var failure = SqliteStorageFull.Translate(e, writer);
            await writer.DisposeAsync();
            if (ReferenceEquals(failure, e))
            {
                throw;
            }

            throw failure;
        }
    }

    private async Task InitializeAsync(SqliteConnection writer, CancellationToken cancellationToken)
    {
        await writer.OpenAsync(cancellationToken);
        // temp_store=MEMORY keeps each unit's savepoint journal (SqliteGroupCommit) in memory: SQLite spills a statement
        // journal past 64 KiB to a temporary file, and a job's units passed that, so every unit opened, wrote
        // (about 100 pwrites per job) and closed a file for nothing. The journal only undoes a unit inside its open
        // transaction; a crash discards the whole uncommitted transaction as before (docs/performance.md, "Less CPU per job").
        // wal_autocheckpoint=4000 pages (16 MiB of WAL instead of SQLite's 4 MiB): the commit that passes the threshold
        // copies every page the WAL holds into the database file (a pread and a pwrite per distinct page, then an
        // fsync), inside the serialized writer. Pages that many commits touch (appended leaves, interior pages, the
        // header) are copied once per checkpoint, so a longer interval copies fewer of them per package
        // (docs/performance.md, "Server CPU per small write: the store side"). Durability is the WAL's either way.
        Pragmas(writer, "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=30000", "PRAGMA foreign_keys=OFF", "PRAGMA temp_store=MEMORY",
            $"PRAGMA wal_autocheckpoint={WalAutoCheckpointPages}");
        SqliteSchema.Apply(writer);

        var (headSeq, headHash) = (0L, EventChain.Genesis);
        using (var command = writer.CreateCommand())
        {
            command.CommandText = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                headSeq = reader.GetInt64(0);
                headHash = (byte[])reader[1];
            }
        }

        // Claims of requests that were in flight when the previous process stopped can never complete.
        using (var command = writer.CreateCommand())
        {
            command.CommandText = "DELETE FROM idempotency WHERE state = 'in_progress'";
            command.ExecuteNonQuery();
        }

        // The root lock makes this process the only one on the database, so every lease in it belongs to
        // a process that has stopped: job leases are marked expired now (recovery requeues their jobs at
        // once instead of waiting out the dead process's lease; the process group stays recorded so that
        // its leftovers can be killed) and maintenance leases go (docs/jobs.md "Recovery").
        using (var command = writer.CreateCommand())
        {
            command.CommandText = """
                UPDATE job_leases SET expires_at = $now WHERE expires_at > $now;
                DELETE FROM maintenance_leases;
                """;
            command.Parameters.AddWithValue("$now", Core.Time.Rfc3339.ToText(_time.GetUtcNow()));
            command.ExecuteNonQuery();
        }

        _writer = writer;
        // Units of work run the same dozen statements again and again: the writer keeps them prepared.
        _statements = SqliteStatements.Attach(writer);
        _commits = new SqliteGroupCommit(writer, _time, headSeq, headHash);
    }

    /// <summary>How many group commits have completed since this database was opened.</summary>
    internal long CommittedBatches => _commits?.CommittedBatches ?? 0;

    /// <summary>Where the one writer's time has gone since this database was opened (null before it opened).</summary>
    internal GroupCommitSnapshot? WriterStats => _commits?.Stats.Snapshot();

    public Task<Result<T>> WriteAsync<T>(Func<IStoreWriter, CancellationToken, Task<Result<T>>> work, CancellationToken cancellationToken)
    {
        var commits = _commits ?? throw new InvalidOperationException("the database is not initialized");
        return commits.WriteAsync(work, cancellationToken);
    }

    public async IAsyncEnumerable<EventRecord> ReadEventsAsync(long afterSeq, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteEvents.Columns} FROM events WHERE seq > $after ORDER BY seq LIMIT $limit";
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return SqliteEvents.Read(reader);
        }
    }

    public async IAsyncEnumerable<EventRecord> ReadStreamAsync(string stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteEvents.Columns} FROM events WHERE stream = $stream ORDER BY seq";
        command.Parameters.AddWithValue("$stream", stream);
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return SqliteEvents.Read(reader);
        }
    }

    public async Task RebuildViewsAsync(CancellationToken cancellationToken)
    {
        var result = await WriteAsync<bool>((writer, ct) =>
        {
            ((SqliteStoreWriter)writer).RebuildViews(ct);
            return Task.FromResult(Result<bool>.Ok(true));
        }, cancellationToken);
        _ = result.Value;
    }

    public async Task<HealthCheck> CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(DatabasePath))
        {
            return HealthCheck.Failed(HealthCheckNames.Database, $"the database {DatabasePath} is missing",
                "restore the root from a backup; if the root is new, start the server, which creates the database");
        }

        int version;
        try
        {
            // Read-only, so that a check can never create or change the file it is looking at.
            var readOnly = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString();
            await using var connection = new SqliteConnection(readOnly);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
            version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException e)
        {
            return HealthCheck.Failed(HealthCheckNames.Database, $"the database {DatabasePath} does not answer: {e.Message}",
                "check the file and its filesystem ('artifactstore doctor', 'artifactstore fsck'); restore from a backup if it is damaged");
        }

        return SchemaHealth.Check(version, SqliteSchema.LatestVersion, "root");
    }

    /// <summary>Every view row as text, in key order: two databases with equal views give equal dumps.</summary>
    internal string DumpViews()
    {
        using var connection = OpenReader();
        return SqliteViewDump.Dump(connection);
    }

    public async ValueTask DisposeAsync()
    {
        if (_commits is not null)
        {
            // Units already queued still run and commit; new ones are refused.
            await _commits.DisposeAsync();
            _commits = null;
        }

        // Before the writer closes: closing a connection disposes its commands.
        _statements?.Dispose();
        _statements = null;
        if (_writer is not null)
        {
            try
            {
                Pragmas(_writer, "PRAGMA wal_checkpoint(TRUNCATE)");
            }
            catch (SqliteException)
            {
                // A full disk (or an I/O error) stops the checkpoint, not the close: every commit is
                // already durable in the WAL, and the next open reads it from there.
            }

            await _writer.DisposeAsync();
            _writer = null;
        }

        SqliteConnection.ClearAllPools();
    }

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Pragmas(connection, "PRAGMA busy_timeout=30000");
        return connection;
    }

    private static void Pragmas(SqliteConnection connection, params string[] pragmas)
    {
        foreach (var pragma in pragmas)
        {
            using var command = connection.CreateCommand();
            command.CommandText = pragma;
            command.ExecuteNonQuery();
        }
    }
}
