namespace ArtifactStore.Core.Packages;

/// <summary>
/// The retention state of a package (SPEC §2): expiry, pin, holds (released ones included, for the
/// record), and whether the sweeper has found it eligible for deletion.
/// </summary>
public sealed record RetentionView(DateTimeOffset? ExpiresAt, bool Pinned, IReadOnlyList<HoldView> Holds, bool EligibleForDeletion)
{
    public IEnumerable<HoldView> ActiveHolds => Holds.Where(h => h.IsActive);

    /// <summary>The eligibility rule: expired as of <paramref name="asOf"/>, not pinned, no active hold.</summary>
    public bool IsDeletable(DateTimeOffset asOf) =>
        ExpiresAt is { } expiry && expiry <= asOf && !Pinned && !ActiveHolds.Any();
}
