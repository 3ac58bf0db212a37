namespace ArtifactStore.Core.Packages;

/// <summary>The retention state of a package (SPEC §2): expiry, pin, active holds, eligibility.</summary>
public sealed record RetentionView(DateTimeOffset? ExpiresAt, bool Pinned, IReadOnlyList<HoldView> Holds, bool EligibleForDeletion);
