using ArtifactStore.Contract;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Server.Http;

/// <summary>The package documents of the API (docs/api.md, "Packages"), built from the view.</summary>
public static class PackageJson
{
    public static PackageDocument From(PackageView view) => new(
        view.Id.ToString(),
        view.Name,
        view.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
        StateOf(view),
        Rfc3339.ToText(view.CreatedAt),
        view.CreatedBy,
        view.RetentionClass,
        view.ManifestDigest.ToString(),
        [.. view.Files.Select(f => new PackageFileDocument(f.Path, f.Size, f.Sha256.ToString(), "blake3:" + f.Blake3Hex, f.MediaType))],
        new PackageRetentionSummary(
            Text(view.Retention.ExpiresAt),
            view.Retention.Pinned,
            [.. view.Retention.ActiveHolds.Select(h => new ActiveHoldDocument(h.HoldId, h.Reason, h.Actor, Rfc3339.ToText(h.AppliedAt)))],
            view.Retention.EligibleForDeletion),
        view.Tombstone is null ? null : Tombstone(view));

    /// <summary>The tombstone of a deleted package (the same members as <see cref="PackageService.TombstoneDocument"/>).</summary>
    public static TombstoneDocument Tombstone(PackageView view) => new(
        view.Id.ToString(),
        view.Name,
        view.Tombstone is { } t ? Rfc3339.ToText(t.DeletedAt) : null,
        view.Tombstone?.Reason,
        Text(view.Retention.ExpiresAt),
        view.RetentionClass,
        view.Tombstone?.BytesReleased,
        view.ManifestDigest.ToString(),
        [.. view.Files.Select(f => new TombstoneFileDocument(f.Path, f.Size, f.Sha256.ToString(), "blake3:" + f.Blake3Hex))]);

    /// <summary>The retention state with every hold, released ones included (GET …/retention).</summary>
    public static RetentionDocument Retention(PackageView view) => new(
        view.Id.ToString(),
        StateOf(view),
        view.RetentionClass,
        Text(view.Retention.ExpiresAt),
        view.Retention.Pinned,
        view.Retention.EligibleForDeletion,
        [.. view.Retention.Holds.Select(h => new HoldDocument(
            h.HoldId, h.Reason, h.Actor, Rfc3339.ToText(h.AppliedAt), h.IsActive, Text(h.ReleasedAt), h.ReleasedBy, h.ReleaseReason))]);

    private static string StateOf(PackageView view) => view.State == PackageState.Live ? "live" : "deleted";

    private static string? Text(DateTimeOffset? at) => at is { } value ? Rfc3339.ToText(value) : null;
}
