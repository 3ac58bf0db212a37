using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Jobs;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>The live job log port: attempts append to one log, any reader copies from an offset, a missing log reads as nothing new.</summary>
public abstract class JobLogContract(StoreBackendFixture fixture) : IAsyncLifetime
{
    private TestStore? _store;

    private IJobLogStore Logs => (_store ?? throw new InvalidOperationException("not initialized")).Backend.JobLogs;

    public async Task InitializeAsync() => _store = await TestStore.OpenAsync(fixture);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_follower_reads_what_was_flushed_from_its_offset_and_attempts_append_to_one_log()
    {
        var logs = Logs;
        var jobId = Guid.NewGuid();
        await using (var first = await logs.OpenAppendAsync(jobId, default))
        {
            await first.WriteAsync(System.Text.Encoding.UTF8.GetBytes("attempt 1\n"));
            await first.FlushAsync();
            Assert.Equal("attempt 1\n", await ReadAsync(logs, jobId, 0));
        }

        await using (var second = await logs.OpenAppendAsync(jobId, default))
        {
            await second.WriteAsync(System.Text.Encoding.UTF8.GetBytes("attempt 2\n"));
        }

        Assert.Equal("attempt 2\n", await ReadAsync(logs, jobId, "attempt 1\n".Length));
        Assert.Equal(string.Empty, await ReadAsync(logs, jobId, "attempt 1\nattempt 2\n".Length));
    }

    [Fact]
    public async Task a_job_without_a_live_log_reads_as_nothing_new()
    {
        Assert.Equal(string.Empty, await ReadAsync(Logs, Guid.NewGuid(), 0));
    }

    private static async Task<string> ReadAsync(IJobLogStore logs, Guid jobId, long offset)
    {
        using var target = new MemoryStream();
        var copied = await logs.CopyFromAsync(jobId, offset, target, default);
        Assert.Equal(target.Length, copied);
        return System.Text.Encoding.UTF8.GetString(target.ToArray());
    }
}
