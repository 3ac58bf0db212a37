using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// Runs the eligibility sweeper every <c>Retention:SweepInterval</c> and GC every <c>Gc:Interval</c>,
/// as the actor <c>system</c>. A failed run is logged and retried at the next tick; it never stops the server.
/// </summary>
internal sealed class RetentionScheduler(StoreRuntime store, ILogger<RetentionScheduler> logger) : BackgroundService
{
    public const string Actor = "system";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            LoopAsync("sweep", store.Options.Retention.SweepInterval, async ct =>
            {
                var swept = await store.Sweeper.RunAsync(null, dryRun: false, Actor, ct);
                if (!swept.IsSuccess)
                {
                    // Another process sweeps now; this one tries again at its next tick.
                    logger.LogInformation("Sweep skipped: {Problem}", swept.Error.Message);
                    return;
                }

                var report = swept.Value;
                if (report.Eligible.Count > 0)
                {
                    logger.LogInformation("Sweep marked {Count} packages eligible for deletion", report.Eligible.Count);
                }
            }, stoppingToken),
            LoopAsync("gc", store.Options.Gc.Interval, async ct =>
            {
                var collected = await store.Collector.RunAsync(dryRun: false, Actor, ct);
                if (!collected.IsSuccess)
                {
                    // Another process collects now; this one tries again at its next tick.
                    logger.LogInformation("GC skipped: {Problem}", collected.Error.Message);
                    return;
                }

                var report = collected.Value;
                if (report.PackagesDeleted.Count + report.BlobsReaped.Count + report.OrphansRemoved.Count > 0)
                {
                    logger.LogInformation("GC deleted {Packages} packages, reaped {Blobs} blobs and {Orphans} orphans, freeing {Bytes} bytes",
                        report.PackagesDeleted.Count, report.BlobsReaped.Count, report.OrphansRemoved.Count, report.BytesFreed);
                }

                if (report.IdempotencyRecordsPurged > 0)
                {
                    logger.LogInformation("GC purged {Records} idempotency records past their window", report.IdempotencyRecordsPurged);
                }
            }, stoppingToken));

    private async Task LoopAsync(string name, TimeSpan interval, Func<CancellationToken, Task> run, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, store.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await run(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Scheduled {Name} failed; it runs again in {Interval}", name, interval);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
