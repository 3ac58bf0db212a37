using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ArtifactStore.Contract;

/// <summary>A job as the API answers it (docs/api.md, "Jobs").</summary>
public sealed record JobDocument(
    string Id,
    string Type,
    string State,
    int Attempts,
    int MaxAttempts,
    JsonNode? Options,
    string CreatedAt,
    string CreatedBy,
    string? StartedAt,
    string? FinishedAt,
    string? NotBefore,
    string InputPackageId,
    string? OutputPackageId,
    string? LogPackageId,
    JobErrorDocument? Error,
    int? ExitCode,
    bool Pinned,
    string RetentionClass,
    string? ExpiresAt)
{
    /// <summary>Whether the job has ended and will not change state again (not part of the JSON).</summary>
    [JsonIgnore]
    public bool IsFinished => State is "succeeded" or "failed" or "canceled" or "expired";
}

public sealed record JobErrorDocument(string Code, string Message);

/// <summary>One page of <c>GET /v1/jobs</c>, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record JobListDocument(List<JobDocument> Items, string? NextCursor);

/// <summary>The JSON form of <c>POST /v1/jobs</c>: a job on a package already stored.</summary>
public sealed record JobSubmitRequest(string Type, JsonObject? Options, string InputPackageId);
