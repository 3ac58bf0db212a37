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
    string OutputClass);
