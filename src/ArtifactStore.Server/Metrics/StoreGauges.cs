using ArtifactStore.Core.Jobs;
using ArtifactStore.Server.Hosting;
using Prometheus;

namespace ArtifactStore.Server.Metrics;

/// <summary>
/// Gauges read when <c>/metrics</c> is scraped: jobs by state and the queue depth from the job view, and
/// each readiness check from the readiness monitor's last report (no new check runs for a scrape). A store
/// whose database does not answer still exports the readiness gauges; the job gauges keep their last values.
/// </summary>
internal sealed class StoreGauges(IMetricFactory factory, StoreRuntime store, ReadinessMonitor readiness)
{
    private static readonly JobState[] States = [JobState.Queued, JobState.Running, JobState.Succeeded, JobState.Failed, JobState.Canceled, JobState.Expired];

    private readonly Gauge _jobs = factory.CreateGauge("artifactstore_jobs", "Jobs in each state (state), as the job view holds them.", ["state"]);

    private readonly Gauge _queueDepth = factory.CreateGauge("artifactstore_job_queue_depth", "Jobs queued and waiting for a worker slot.");

    private readonly Gauge _check = factory.CreateGauge("artifactstore_readiness_check", "1 while a readiness check (check) passes, 0 while it fails.", ["check"]);

    private readonly Gauge _ready = factory.CreateGauge("artifactstore_ready", "1 while every readiness check passes (/health/ready answers 200), else 0.");

    public async Task UpdateAsync(CancellationToken cancellationToken)
    {
        var report = readiness.Last;
        foreach (var check in report.Checks)
        {
            _check.WithLabels(check.Name).Set(check.IsOk ? 1 : 0);
        }

        _ready.Set(report.IsReady ? 1 : 0);
        try
        {
            var counts = await store.Database.Views.CountJobsByStateAsync(cancellationToken);
            foreach (var state in States)
            {
                var text = JobStates.ToText(state);
                _jobs.WithLabels(text).Set(counts.TryGetValue(text, out var count) ? count : 0);
            }

            _queueDepth.Set(counts.TryGetValue(JobStates.ToText(JobState.Queued), out var queued) ? queued : 0);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The readiness gauges say why; a scrape must not fail because the database does not answer.
        }
    }
}
