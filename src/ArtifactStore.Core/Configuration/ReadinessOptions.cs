namespace ArtifactStore.Core.Configuration;

/// <summary>When the server counts as ready to take traffic (docs/recovery.md, "Readiness").</summary>
public sealed record ReadinessOptions
{
    /// <summary>Below this many free bytes on the data root's filesystem the server is not ready. Default 1 GiB; 0 turns the check off.</summary>
    public long MinFreeSpaceBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>How often the readiness monitor re-runs its checks (it also runs on every <c>/health/ready</c>). Default 5 s.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The git revision this deployment expects to run (<c>ARTIFACTSTORE_EXPECTED_REVISION</c>); null when unchecked.</summary>
    public string? ExpectedRevision { get; init; }

    public IEnumerable<string> Validate()
    {
        if (MinFreeSpaceBytes < 0)
        {
            yield return "Readiness:MinFreeSpace: must not be negative";
        }

        if (CheckInterval <= TimeSpan.Zero)
        {
            yield return "Readiness:CheckInterval: must be positive";
        }
        else if (CheckInterval > TimeSpan.FromHours(1))
        {
            yield return "Readiness:CheckInterval: must be at most 01:00:00 (a lost lock or a full disk would go unnoticed for that long)";
        }
    }
}
