using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// Hosts the worker pool: recovers jobs orphaned by an earlier process, then starts the slots. On
/// shutdown, running jobs get the grace period to finish; what is still running then is requeued.
/// </summary>
internal sealed class JobWorkers(StoreRuntime store, ILogger<JobWorkers> logger) : IHostedService
{
    /// <summary>How long running jobs may take to finish when the server stops.</summary>
    public static TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        store.JobRunner.OnProblem = (message, e) => logger.LogError(e, "Jobs: {Problem}", message);
        var recovered = await store.JobRunner.RecoverAsync(cancellationToken);
        if (recovered > 0)
        {
            logger.LogWarning("Requeued {Count} jobs left running by a process that stopped", recovered);
        }

        store.JobRunner.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (store.JobRunner.RunningCount > 0)
        {
            logger.LogInformation("Waiting up to {Grace} for {Count} running jobs", ShutdownGrace, store.JobRunner.RunningCount);
        }

        await store.JobRunner.StopAsync(ShutdownGrace);
    }
}
