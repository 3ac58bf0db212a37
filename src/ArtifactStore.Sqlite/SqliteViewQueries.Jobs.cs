using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Sqlite;

internal sealed partial class SqliteViewQueries
{
    public Task<JobView?> GetJobAsync(Guid id, CancellationToken cancellationToken)
    {
        using var connection = openReader();
        return Task.FromResult(SqliteJobRows.Get(connection, null, id));
    }

    public Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken)
    {
        using var connection = openReader();
        using var transaction = connection.BeginTransaction(deferred: true);
        return Task.FromResult(SqliteJobRows.List(connection, transaction, query));
    }

    public Task<IReadOnlyList<JobLease>> ListJobLeasesAsync(CancellationToken cancellationToken)
    {
        using var connection = openReader();
        return Task.FromResult(SqliteJobRows.Leases(connection, null));
    }

    public async Task<IReadOnlyDictionary<string, long>> CountJobsByStateAsync(CancellationToken cancellationToken) =>
        (await Query("SELECT state, COUNT(*) FROM jobs GROUP BY state", r => (State: r.GetString(0), Count: r.GetInt64(1))))
            .ToDictionary(c => c.State, c => c.Count, StringComparer.Ordinal);

    public Task<IReadOnlyList<Guid>> FindRunningJobsAsync(CancellationToken cancellationToken) =>
        Query("SELECT id FROM jobs WHERE state = 'running' ORDER BY id", r => Guid.Parse(r.GetString(0)));

    public Task<IReadOnlyList<Guid>> FindPurgeableJobTombstonesAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) =>
        Query("SELECT id FROM jobs INDEXED BY jobs_expired WHERE state = 'expired' AND expired_at <= $cutoff ORDER BY expired_at, id",
            r => Guid.Parse(r.GetString(0)), ("$cutoff", Rfc3339.ToText(expiredBefore)));

    public Task<IReadOnlyList<Guid>> FindExpiredJobsAsync(DateTimeOffset asOf, CancellationToken cancellationToken) =>
        Query("""
            SELECT id FROM jobs INDEXED BY jobs_expiring
            WHERE state IN ('succeeded', 'failed', 'canceled') AND pinned = 0 AND expires_at IS NOT NULL AND expires_at <= $as_of
            ORDER BY expires_at, id
            """,
            r => Guid.Parse(r.GetString(0)), ("$as_of", Rfc3339.ToText(asOf)));
}
