namespace ArtifactStore.Core.Configuration;

/// <summary>Who may read the Prometheus metrics at <c>/metrics</c> (docs/metrics.md).</summary>
public sealed record MetricsOptions
{
    /// <summary>
    /// <c>Metrics:AllowAnonymous</c>: answer <c>/metrics</c> without a token and also while the store is not
    /// ready (a scraper without credentials; the readiness gauges are most useful then). Default false: the
    /// metrics are a read like any other, needing the reader role once tokens exist and held by the
    /// readiness gate.
    /// </summary>
    public bool AllowAnonymous { get; init; }
}
