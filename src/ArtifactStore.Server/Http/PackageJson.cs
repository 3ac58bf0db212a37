using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Server.Http;

/// <summary>The package document of the API (docs/api.md, "Packages"), built from the view.</summary>
public static class PackageJson
{
    public static PackageDocument From(PackageView view) => new(
        view.Id.ToString(),
        view.Name,
        view.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
        view.State == PackageState.Live ? "live" : "deleted",
        Rfc3339.ToText(view.CreatedAt),
        view.CreatedBy,
        view.RetentionClass,
        view.ManifestDigest.ToString(),
        view.Files.Select(f => new FileDocument(f.Path, f.Size, f.Sha256.ToString(), "blake3:" + f.Blake3Hex, f.MediaType)).ToList(),
        new RetentionDocument(
            view.Retention.ExpiresAt is { } at ? Rfc3339.ToText(at) : null,
            view.Retention.Pinned,
            view.Retention.ActiveHolds.Select(h => new HoldDocument(h.HoldId, h.Reason, h.Actor, Rfc3339.ToText(h.AppliedAt))).ToList(),
            view.Retention.EligibleForDeletion),
        view.Tombstone is null ? null : PackageService.TombstoneDocument(view));

    /// <summary>The retention state with every hold, released ones included (GET …/retention).</summary>
    public static object Retention(PackageView view) => new
    {
        package_id = view.Id.ToString(),
        state = view.State == PackageState.Live ? "live" : "deleted",
        retention_class = view.RetentionClass,
        expires_at = view.Retention.ExpiresAt is { } at ? Rfc3339.ToText(at) : null,
        pinned = view.Retention.Pinned,
        eligible_for_deletion = view.Retention.EligibleForDeletion,
        holds = view.Retention.Holds.Select(h => new
        {
            hold_id = h.HoldId,
            reason = h.Reason,
            actor = h.Actor,
            applied_at = Rfc3339.ToText(h.AppliedAt),
            active = h.IsActive,
            released_at = h.ReleasedAt is { } r ? Rfc3339.ToText(r) : null,
            released_by = h.ReleasedBy,
            release_reason = h.ReleaseReason,
        }).ToList(),
    };
}

public sealed record PackageDocument(
    string Id,
    string Name,
    Dictionary<string, string> Labels,
    string State,
    string CreatedAt,
    string CreatedBy,
    string RetentionClass,
    string ManifestDigest,
    List<FileDocument> Files,
    RetentionDocument Retention,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    Dictionary<string, object?>? Tombstone);

public sealed record FileDocument(string Path, long Size, string Sha256, string Blake3, string MediaType);

public sealed record RetentionDocument(string? ExpiresAt, bool Pinned, List<HoldDocument> Holds, bool EligibleForDeletion);

public sealed record HoldDocument(string HoldId, string Reason, string Actor, string AppliedAt);
