using System.Text.Json.Nodes;
using ArtifactStore.Contract;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Server.Http;

/// <summary>The job document of the API (docs/api.md, "Jobs"), built from the view.</summary>
public static class JobJson
{
    public static JobDocument From(JobView view) => new(
        view.Id.ToString(),
        view.Type,
        JobStates.ToText(view.State),
        view.Attempts,
        view.MaxAttempts,
        JsonNode.Parse(view.OptionsJson),
        Rfc3339.ToText(view.CreatedAt),
        view.CreatedBy,
        Text(view.StartedAt),
        Text(view.FinishedAt),
        view.State == JobState.Queued ? Rfc3339.ToText(view.NotBefore) : null,
        view.InputPackageId.ToString(),
        view.OutputPackageId?.ToString(),
        view.LogPackageId?.ToString(),
        view.Error is { } error ? new JobErrorDocument(error.Code, error.Message) : null,
        view.ExitCode,
        view.Pinned,
        view.OutputClass,
        Text(view.ExpiresAt));

    private static string? Text(DateTimeOffset? at) => at is { } value ? Rfc3339.ToText(value) : null;
}
