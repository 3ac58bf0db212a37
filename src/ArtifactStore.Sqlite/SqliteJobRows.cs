using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>Reading and writing job rows and leases; shared by the view queries and the unit of work.</summary>
internal static class SqliteJobRows
{
    private const string Columns = """
        id, type, state, attempts, max_attempts, options, created_at, created_by, started_at, finished_at,
        input_package_id, output_package_id, log_package_id, error_code, error_message, exit_code, pinned, not_before, expires_at, expired_at, output_class
        """;

    public static JobView? Get(SqliteConnection connection, SqliteTransaction? transaction, Guid id) =>
        Query(connection, transaction, $"SELECT {Columns} FROM jobs WHERE id = $id", ("$id", id.ToString())).FirstOrDefault();

    /// <summary>The queued job whose backoff ended first among <paramref name="types"/>, or null.</summary>
    public static JobView? NextQueued(SqliteConnection connection, SqliteTransaction? transaction, DateTimeOffset now, IReadOnlyCollection<string> types)
    {
        if (types.Count == 0)
        {
            return null;
        }

        var names = types.Select((_, i) => $"$t{i}").ToList();
        var parameters = types.Select((t, i) => ($"$t{i}", (object?)t)).Append(("$now", Rfc3339.ToText(now))).ToArray();
        return Query(connection, transaction, $"""
            SELECT {Columns} FROM jobs INDEXED BY jobs_queued
            WHERE state = 'queued' AND not_before <= $now AND type IN ({string.Join(", ", names)})
            ORDER BY not_before, id LIMIT 1
            """, parameters).FirstOrDefault();
    }

    public static JobPage List(SqliteConnection connection, SqliteTransaction? transaction, JobQuery query)
    {
        var (sql, parameters) = JobListSql.Build(Columns, query);
        return JobListSql.ToPage(Query(connection, transaction, sql, [.. parameters.Select(p => ("@" + p.Name, p.Value))]), query);
    }

    public static List<JobView> Query(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var statement = SqliteStatements.Get(connection, transaction, sql);
        var command = statement.Command;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        var jobs = new List<JobView>();
        while (reader.Read())
        {
            jobs.Add(Read(reader));
        }

        return jobs;
    }

    public static IReadOnlyList<JobLease> Leases(SqliteConnection connection, SqliteTransaction? transaction, Guid? jobId = null)
    {
        using var statement = SqliteStatements.Get(connection, transaction, "SELECT job_id, owner, attempt, expires_at, process_group, cancel_requested_at FROM job_leases" + (jobId is null ? " ORDER BY job_id" : " WHERE job_id = $id"));
        var command = statement.Command;
        if (jobId is { } id)
        {
            command.Parameters.AddWithValue("$id", id.ToString());
        }

        using var reader = command.ExecuteReader();
        var leases = new List<JobLease>();
        while (reader.Read())
        {
            leases.Add(new JobLease(
                Guid.Parse(reader.GetString(0)),
                reader.GetString(1),
                reader.GetInt32(2),
                Rfc3339.Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : reader.GetInt32(4))
            {
                CancelRequestedAt = reader.IsDBNull(5) ? null : Rfc3339.Parse(reader.GetString(5)),
            });
        }

        return leases;
    }

    public static void PutLease(SqliteConnection connection, SqliteTransaction transaction, JobLease lease) =>
        SqliteProjector.Execute(connection, transaction, """
            INSERT INTO job_leases (job_id, owner, attempt, expires_at, process_group, cancel_requested_at)
            VALUES ($id, $owner, $attempt, $expires, $group, $cancel)
            ON CONFLICT (job_id) DO UPDATE SET owner = $owner, attempt = $attempt, expires_at = $expires, process_group = $group,
                cancel_requested_at = $cancel
            """,
            ("$id", lease.JobId.ToString()), ("$owner", lease.Owner), ("$attempt", lease.Attempt),
            ("$expires", Rfc3339.ToText(lease.ExpiresAt)), ("$group", lease.ProcessGroup),
            ("$cancel", lease.CancelRequestedAt is { } cancel ? Rfc3339.ToText(cancel) : null));

    public static void DeleteLease(SqliteConnection connection, SqliteTransaction transaction, Guid jobId) =>
        SqliteProjector.Execute(connection, transaction, "DELETE FROM job_leases WHERE job_id = $id", ("$id", jobId.ToString()));

    private static JobView Read(SqliteDataReader r)
    {
        static DateTimeOffset? Time(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : Rfc3339.Parse(r.GetString(i));
        static Guid? Id(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : Guid.Parse(r.GetString(i));
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
            Time(r, 8),
            Time(r, 9),
            Guid.Parse(r.GetString(10)),
            Id(r, 11),
            Id(r, 12),
            r.IsDBNull(13) ? null : new JobError(r.GetString(13), r.IsDBNull(14) ? string.Empty : r.GetString(14)),
            r.IsDBNull(15) ? null : r.GetInt32(15),
            r.GetInt64(16) != 0,
            Rfc3339.Parse(r.GetString(17)),
            Time(r, 18),
            Time(r, 19),
            r.GetString(20));
    }

    /// <summary>The first job (by id) that keeps a package from deletion (<see cref="JobView.KeepsItsPackages"/>), or null.</summary>
    public static Guid? KeeperOf(SqliteConnection connection, SqliteTransaction? transaction, string packageId) =>
        Query(connection, transaction, $"""
            SELECT {Columns} FROM jobs
            WHERE input_package_id = $p OR output_package_id = $p OR log_package_id = $p
            ORDER BY id
            """, ("$p", packageId)).FirstOrDefault(j => j.KeepsItsPackages)?.Id;
}
