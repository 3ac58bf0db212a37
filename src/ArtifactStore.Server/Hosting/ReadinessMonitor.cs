using ArtifactStore.Core.Health;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// Keeps the last readiness report, so that gating a request costs a field read rather than disk
/// probes. It re-evaluates every <c>Readiness:CheckInterval</c>, whenever <c>/health/ready</c> is
/// asked, and after startup recovery; once shutdown begins, the server reports not ready.
/// </summary>
public sealed class ReadinessMonitor(StoreRuntime store, ILogger<ReadinessMonitor> logger) : BackgroundService
{
    private readonly SemaphoreSlim _evaluating = new(1, 1);
    private readonly Lock _publishing = new();
    private long _evaluationsBegun;
    private bool _stopping;
    private volatile ReadinessReport _last = new(
        [HealthCheck.Failed("startup", "the server is starting: its readiness checks have not run yet", "wait a moment")],
        store.Time.GetUtcNow());

    /// <summary>The most recent report; never blocks.</summary>
    public ReadinessReport Last => _last;

    /// <summary>
    /// Runs every check now and returns the report. Concurrent callers share evaluations: a caller
    /// that waited while another evaluation began and finished takes that one's result.
    /// </summary>
    public async Task<ReadinessReport> RefreshAsync(CancellationToken cancellationToken)
    {
        var seen = Interlocked.Read(ref _evaluationsBegun);
        await _evaluating.WaitAsync(cancellationToken);
        try
        {
            if (Interlocked.Read(ref _evaluationsBegun) > seen)
            {
                return _last;
            }

            Interlocked.Increment(ref _evaluationsBegun);
            var checks = await ReadinessChecks.EvaluateAsync(store, cancellationToken);
            Publish(new ReadinessReport(checks, store.Time.GetUtcNow()));
            return _last;
        }
        finally
        {
            _evaluating.Release();
        }
    }

    /// <summary>Shutdown has begun: from now on the server answers not ready, without waiting for the next evaluation.</summary>
    public void MarkStopping()
    {
        lock (_publishing)
        {
            _stopping = true;
        }

        Publish(_last with { CheckedAt = store.Time.GetUtcNow() });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(store.Options.Readiness.CheckInterval, store.Time);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Readiness evaluation failed; it runs again in {Interval}", store.Options.Readiness.CheckInterval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    public override void Dispose()
    {
        _evaluating.Dispose();
        base.Dispose();
    }

    private static HealthCheck Stopping { get; } = HealthCheck.Failed(HealthCheckNames.Shutdown,
        "the server is shutting down: it finishes the requests it has and takes no new ones",
        "send requests to another instance, or wait for this one to restart");

    private void Publish(ReadinessReport report)
    {
        ReadinessReport before;
        lock (_publishing)
        {
            if (_stopping && report.Checks.All(c => c.Name != HealthCheckNames.Shutdown))
            {
                report = report with { Checks = [.. report.Checks, Stopping] };
            }

            before = _last;
            _last = report;
        }

        if (before.Summary == report.Summary)
        {
            return;
        }

        // Log transitions only, so that a steady state does not flood the log every few seconds.
        if (report.IsReady)
        {
            logger.LogInformation("Ready: every readiness check passes");
        }
        else
        {
            // Waiting for recovery at start is expected; anything else deserves an operator's attention.
            var level = report.Failing.All(c => c.Name == HealthCheckNames.Recovery && store.Recovery.Failure is null) ? LogLevel.Information : LogLevel.Warning;
            logger.Log(level, "Not ready: {Problems}", report.Summary);
        }
    }
}
