using ArtifactStore.Core.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// Hosts the worker pool: the slots start once startup recovery (which requeues jobs orphaned by an
/// earlier process) has finished. On shutdown, running jobs get the grace period to finish; what
/// still runs then is stopped and requeued, within <c>Shutdown:GracePeriod</c>.
/// </summary>
internal sealed class JobWorkers(StoreRuntime store, ILogger<JobWorkers> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _starting = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.JobRunner.OnProblem = (message, e) => logger.LogError(e, "Jobs: {Problem}", message);
        _starting = StartAfterRecoveryAsync();
        return Task.CompletedTask;
    }

    private async Task StartAfterRecoveryAsync()
    {
        try
        {
            if (await store.Recovery.Outcome.WaitAsync(_stopping.Token))
            {
                store.JobRunner.Start();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped before recovery ended: the slots never start.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _starting;

        // Leave time to stop what still runs (TERM, then KILL) and record the requeue before the host gives up:
        // a stopped attempt ends, or is abandoned, within KillGracePeriod + JobRunner.StopMargin.
        var grace = store.Options.ShutdownGracePeriod - store.Options.Jobs.KillGracePeriod - JobRunner.StopMargin - TimeSpan.FromSeconds(1);
        grace = grace > TimeSpan.Zero ? grace : TimeSpan.Zero;
        if (store.JobRunner.RunningCount > 0)
        {
            logger.LogInformation("Waiting up to {Grace} for {Count} running jobs", grace, store.JobRunner.RunningCount);
        }

        await store.JobRunner.StopAsync(grace);
    }

    public void Dispose() => _stopping.Dispose();
}
