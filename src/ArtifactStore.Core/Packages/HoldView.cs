namespace ArtifactStore.Core.Packages;

/// <summary>A legal hold on a package; active while <see cref="ReleasedAt"/> is null.</summary>
public sealed record HoldView(
    string HoldId,
    string Reason,
    string Actor,
    DateTimeOffset AppliedAt,
    DateTimeOffset? ReleasedAt = null,
    string? ReleasedBy = null,
    string? ReleaseReason = null)
{
    public bool IsActive => ReleasedAt is null;
}
