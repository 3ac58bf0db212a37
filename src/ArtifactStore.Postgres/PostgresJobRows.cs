using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Time;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>Reading and writing job rows and leases; shared by the view queries and the unit of work.</summary>
internal static class PostgresJobRows
{
    private const string Columns = """
        id, type, state, attempts, max_attempts, options, created_at, created_by, started_at, finished_at,
        input_package_id, output_package_id, log_package_id, error_code, error_message, exit_code, pinned, not_before, expires_at, expired_at, output_class
        """;

    private const string LeaseColumns = "job_id, owner, attempt, expires_at, process_group, cancel_requested_at";

    public static async Task<JobView?> GetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken cancellationToken) =>
        (await Sql.QueryAsync(connection, transaction, $"SELECT {Columns} FROM jobs WHERE id = @id", Read, cancellationToken, ("id", id.ToString())))
            .FirstOrDefault();

    /// <summary>
    /// The queued job whose backoff ended first among <paramref name="types"/>, or null. Its row is locked
    /// for the rest of the unit of work and rows other transactions hold are skipped (<c>FOR UPDATE SKIP
    /// LOCKED</c>): the claim stays one job per worker on its own, even though the head lock already
    /// serializes every unit of work.
    /// </summary>
    public static async Task<JobView?> NextQueuedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, IReadOnlyCollection<string> types, CancellationToken cancellationToken)
    {
        if (types.Count == 0)
        {
            return null;
        }

        return (await Sql.QueryAsync(connection, transaction, $"""
            SELECT {Columns} FROM jobs
            WHERE state = 'queued' AND not_before <= @now AND type = ANY(@types)
            ORDER BY not_before, id LIMIT 1
            FOR UPDATE SKIP LOCKED
            """, Read, cancellationToken, ("now", Rfc3339.ToText(now)), ("types", types.ToArray()))).FirstOrDefault();
    }

    public static async Task<JobPage> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, JobQuery query, CancellationToken cancellationToken)
    {
        var (sql, parameters) = JobListSql.Build(Columns, query);
        return JobListSql.ToPage(await Sql.QueryAsync(connection, transaction, sql, Read, cancellationToken, [.. parameters]), query);
    }

    public static async Task<IReadOnlyList<JobLease>> LeasesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? jobId, CancellationToken cancellationToken) =>
        jobId is { } id
            ? await Sql.QueryAsync(connection, transaction, $"SELECT {LeaseColumns} FROM job_leases WHERE job_id = @id", ReadLease, cancellationToken, ("id", id.ToString()))
            : await Sql.QueryAsync(connection, transaction, $"SELECT {LeaseColumns} FROM job_leases ORDER BY job_id", ReadLease, cancellationToken);

    public static Task PutLeaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, JobLease lease, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction, $"""
            INSERT INTO job_leases ({LeaseColumns}) VALUES (@id, @owner, @attempt, @expires, @group, @cancel)
            ON CONFLICT (job_id) DO UPDATE SET owner = @owner, attempt = @attempt, expires_at = @expires, process_group = @group,
                cancel_requested_at = @cancel
            """,
            cancellationToken,
            ("id", lease.JobId.ToString()), ("owner", lease.Owner), ("attempt", lease.Attempt),
            ("expires", Rfc3339.ToText(lease.ExpiresAt)), ("group", lease.ProcessGroup), ("cancel", Sql.Text(lease.CancelRequestedAt)));

    public static Task DeleteLeaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction, "DELETE FROM job_leases WHERE job_id = @id", cancellationToken, ("id", jobId.ToString()));

    /// <summary>The first job (by id) that keeps a package from deletion (<see cref="JobView.KeepsItsPackages"/>), or null.</summary>
    public static async Task<Guid?> KeeperOfAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string packageId, CancellationToken cancellationToken) =>
        (await Sql.QueryAsync(connection, transaction, $"""
            SELECT {Columns} FROM jobs
            WHERE input_package_id = @p OR output_package_id = @p OR log_package_id = @p
            ORDER BY id
            """, Read, cancellationToken, ("p", packageId))).FirstOrDefault(j => j.KeepsItsPackages)?.Id;

    private static JobLease ReadLease(NpgsqlDataReader reader) => new(
        Guid.Parse(reader.GetString(0)),
        reader.GetString(1),
        reader.GetInt32(2),
        Rfc3339.Parse(reader.GetString(3)),
        reader.IsDBNull(4) ? null : reader.GetInt32(4))
    {
        CancelRequestedAt = Sql.Time(reader, 5),
    };

    private static JobView Read(NpgsqlDataReader r)
    {
        static Guid? Id(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : Guid.Parse(r.GetString(i));
        var state = JobStates.TryParse(r.GetString(2), out var parsed) ? parsed : throw new InvalidDataException($"unknown job state '{r.GetString(2)}'");
        return new JobView(
            Guid.Parse(r.GetString(0)),
            r.GetString(1),
            state,
            r.GetInt32(3),
            r.GetInt32(4),
            r.GetString(5),
            Rfc3339.Parse(r.GetString(6)),
            r.GetString(7),
            Sql.Time(r, 8),
            Sql.Time(r, 9),
            Guid.Parse(r.GetString(10)),
            Id(r, 11),
            Id(r, 12),
            r.IsDBNull(13) ? null : new JobError(r.GetString(13), r.IsDBNull(14) ? string.Empty : r.GetString(14)),
            r.IsDBNull(15) ? null : r.GetInt32(15),
            r.GetInt32(16) != 0,
            Rfc3339.Parse(r.GetString(17)),
            Sql.Time(r, 18),
            Sql.Time(r, 19),
            r.GetString(20));
    }
}
