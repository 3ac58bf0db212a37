namespace ArtifactStore.Core.Packages;

/// <summary>
/// The retention state of a package (docs/retention.md): expiry, pin, holds (released ones included, for the
/// record), and whether the sweeper has found it eligible for deletion.
/// </summary>
public sealed record RetentionView(DateTimeOffset? ExpiresAt, bool Pinned, IReadOnlyList<HoldView> Holds, bool EligibleForDeletion)
{
    /// <summary>A job that keeps this package (its input, output or log) because the job is pinned or not finished.</summary>
    public Guid? KeptByJob { get; init; }

    public IEnumerable<HoldView> ActiveHolds => Holds.Where(h => h.IsActive);

    /// <summary>The eligibility rule: expired as of <paramref name="asOf"/>, not pinned, no active hold, not kept by a job.</summary>
    public bool IsDeletable(DateTimeOffset asOf) =>
        ExpiresAt is { } expiry && expiry <= asOf && !Pinned && !ActiveHolds.Any() && KeptByJob is null;
}
