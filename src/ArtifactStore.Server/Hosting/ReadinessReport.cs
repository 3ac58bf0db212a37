using ArtifactStore.Core.Health;

namespace ArtifactStore.Server.Hosting;

/// <summary>One evaluation of every readiness check, and when it ran.</summary>
public sealed record ReadinessReport(IReadOnlyList<HealthCheck> Checks, DateTimeOffset CheckedAt)
{
    public bool IsReady => Checks.All(c => c.IsOk);

    public IEnumerable<HealthCheck> Failing => Checks.Where(c => !c.IsOk);

    /// <summary>"name: problem; name: problem" for logs and the <c>not_ready</c> answer.</summary>
    public string Summary => string.Join("; ", Failing.Select(c => $"{c.Name}: {c.Problem}"));
}
