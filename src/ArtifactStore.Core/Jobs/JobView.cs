namespace ArtifactStore.Core.Jobs;

/// <summary>A job as the views know it (docs/api.md, "Jobs").</summary>
public sealed record JobView(
    Guid Id,
    string Type,
    JobState State,
    int Attempts,
    int MaxAttempts,
    string OptionsJson,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    Guid InputPackageId,
    Guid? OutputPackageId,
    Guid? LogPackageId,
    JobError? Error,
    int? ExitCode,
    bool Pinned,
    DateTimeOffset NotBefore,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? ExpiredAt,
    string OutputClass)
{
    /// <summary>
    /// Whether the job keeps its packages (input, output, log) from deletion: it is pinned, or not yet
    /// finished (docs/retention.md). Backends find the jobs that refer to a package; this decides.
    /// </summary>
    public bool KeepsItsPackages => Pinned || State is JobState.Queued or JobState.Running;
}
