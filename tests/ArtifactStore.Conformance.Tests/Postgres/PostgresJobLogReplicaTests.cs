using System.Text;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Postgres;

namespace ArtifactStore.Conformance.Tests.Postgres;

/// <summary>
/// The scale-out backend's live job logs (<see cref="PostgresStoreDatabase.CreateJobLogStore"/>) between two
/// replicas: each has its own database connections and its own local jobs directory; only the database joins
/// them (docs/postgres.md, "Job logs").
/// </summary>
public sealed class PostgresJobLogReplicaTests(PostgresBackendFixture fixture) : IClassFixture<PostgresBackendFixture>
{
    [Fact]
    public async Task a_log_written_on_one_replica_is_read_live_on_another_and_a_later_attempt_elsewhere_continues_it()
    {
        await using var first = await TestStore.OpenAsync(fixture);
        var second = await TestStore.OpenAsync(fixture, directory: first.Directory);
        try
        {
            var here = ((PostgresStoreDatabase)first.Database).CreateJobLogStore(Path.Combine(first.Directory, "jobs-here"));
            var there = ((PostgresStoreDatabase)second.Database).CreateJobLogStore(Path.Combine(first.Directory, "jobs-there"));
            var jobId = Guid.NewGuid();

            await using (var log = await here.OpenAppendAsync(jobId, default))
            {
                await log.WriteAsync("attempt 1 begins\n"u8.ToArray());
                await log.FlushAsync();
                Assert.Equal("attempt 1 begins\n", await ReadAsync(there, jobId, 0)); // live: the writer is still open
                await log.WriteAsync("attempt 1 dies\n"u8.ToArray()); // flushed when the stream closes
            }

            Assert.Equal("attempt 1 dies\n", await ReadAsync(there, jobId, "attempt 1 begins\n".Length));

            // The next attempt runs on the other replica: its local log starts with what the first one wrote.
            await using (var log = await there.OpenAppendAsync(jobId, default))
            {
                await log.WriteAsync("attempt 2 ends\n"u8.ToArray());
            }

            const string whole = "attempt 1 begins\nattempt 1 dies\nattempt 2 ends\n";
            Assert.Equal(whole, await File.ReadAllTextAsync(new JobWorkspace(Path.Combine(first.Directory, "jobs-there"), jobId).LogPath));
            Assert.Equal(whole, await ReadAsync(here, jobId, 0));
            Assert.Equal("ends\n", await ReadAsync(here, jobId, whole.Length - "ends\n".Length));
        }
        finally
        {
            await second.CloseAsync();
        }
    }

    private static async Task<string> ReadAsync(IJobLogStore logs, Guid jobId, long offset)
    {
        using var target = new MemoryStream();
        var copied = await logs.CopyFromAsync(jobId, offset, target, default);
        Assert.Equal(target.Length, copied);
        return Encoding.UTF8.GetString(target.ToArray());
    }
}
