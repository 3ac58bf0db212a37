using ArtifactStore.Core.Jobs;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// Live job logs in the shared database (<c>job_log_chunks</c>, docs/postgres.md "Job logs"), so that any
/// replica can serve and follow the log of a job another replica runs. Each flush of the log stream appends
/// one chunk. The stream also writes the job's local <c>logs/run.log</c> (under this replica's
/// <c>jobs/</c>), which the runner stores in the job's output or log package and quotes in errors; when an
/// attempt starts on a replica that has no local log (an earlier attempt ran elsewhere), the local file is
/// first filled from the database, so the stored log is the whole log.
/// </summary>
internal sealed class PostgresJobLogStore(NpgsqlDataSource dataSource, string jobsDirectory) : IJobLogStore
{
    public async Task<Stream> OpenAppendAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var path = new JobWorkspace(jobsDirectory, jobId).LogPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            await using var seed = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            await CopyFromAsync(jobId, 0, seed, cancellationToken);
        }

        var local = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        return new PostgresJobLogStream(this, jobId, local);
    }

    public async Task<long> CopyFromAsync(Guid jobId, long offset, Stream target, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT start_offset, content FROM job_log_chunks
            WHERE job_id = @job AND start_offset + length(content) > @offset
            ORDER BY start_offset
            """, ("job", jobId.ToString()), ("offset", offset));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var copied = 0L;
        while (await reader.ReadAsync(cancellationToken))
        {
            var start = reader.GetInt64(0);
            var content = (byte[])reader.GetValue(1);
            var position = offset + copied;
            if (start > position)
            {
                break; // a gap cannot happen (chunks start where the log ends); never skip over one
            }

            var skip = (int)(position - start);
            await target.WriteAsync(content.AsMemory(skip), cancellationToken);
            copied += content.Length - skip;
        }

        return copied;
    }

    /// <summary>A finished job's chunks go: readers of a finished job's log read its package.</summary>
    public async Task ForgetAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null, "DELETE FROM job_log_chunks WHERE job_id = @job", cancellationToken, ("job", jobId.ToString()));
    }

    /// <summary>Appends <paramref name="content"/> at the end of the job's log, wherever another writer left it.</summary>
    internal async Task AppendAsync(Guid jobId, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // The end of the log is read and the chunk written in one statement; should two writers race for
        // one offset, the key refuses the second, which tries again at the new end.
        for (var attempt = 0; ; attempt++)
        {
            var inserted = await Sql.ExecuteAsync(connection, null, """
                INSERT INTO job_log_chunks (job_id, start_offset, content)
                SELECT @job, COALESCE(MAX(start_offset + length(content)), 0), @content FROM job_log_chunks WHERE job_id = @job
                ON CONFLICT (job_id, start_offset) DO NOTHING
                """, cancellationToken, ("job", jobId.ToString()), ("content", content.ToArray()));
            if (inserted == 1 || attempt == 5)
            {
                return;
            }
        }
    }
}
