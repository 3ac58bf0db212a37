namespace ArtifactStore.Client;

/// <summary>A job as the API returns it.</summary>
public sealed record JobInfo(
    string Id,
    string Type,
    string State,
    int Attempts,
    int MaxAttempts,
    string CreatedAt,
    string? StartedAt,
    string? FinishedAt,
    string InputPackageId,
    string? OutputPackageId,
    string? LogPackageId,
    JobErrorInfo? Error,
    int? ExitCode,
    bool Pinned)
{
    public bool IsFinished => State is "succeeded" or "failed" or "canceled" or "expired";
}

public sealed record JobErrorInfo(string Code, string Message);

public sealed record JobList(List<JobInfo> Items, string? NextCursor);
