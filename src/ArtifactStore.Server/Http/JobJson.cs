using System.Text.Json.Nodes;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Server.Http;

/// <summary>The job document of the API (docs/api.md, "Jobs"), built from the view.</summary>
public static class JobJson
{
    public static object From(JobView view) => new
    {
        id = view.Id.ToString(),
        type = view.Type,
        state = JobStates.ToText(view.State),
        attempts = view.Attempts,
        max_attempts = view.MaxAttempts,
        options = JsonNode.Parse(view.OptionsJson),
        created_at = Rfc3339.ToText(view.CreatedAt),
        created_by = view.CreatedBy,
        started_at = Text(view.StartedAt),
        finished_at = Text(view.FinishedAt),
        not_before = view.State == JobState.Queued ? Rfc3339.ToText(view.NotBefore) : null,
        input_package_id = view.InputPackageId.ToString(),
        output_package_id = view.OutputPackageId?.ToString(),
        log_package_id = view.LogPackageId?.ToString(),
        error = view.Error is { } error ? new { code = error.Code, message = error.Message } : null,
        exit_code = view.ExitCode,
        pinned = view.Pinned,
        retention_class = view.OutputClass,
        expires_at = Text(view.ExpiresAt),
    };

    private static string? Text(DateTimeOffset? at) => at is { } value ? Rfc3339.ToText(value) : null;
}
