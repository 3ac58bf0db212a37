namespace ArtifactStore.Contract;

/// <summary>A package's retention with every hold, released ones included (<c>GET /v1/packages/{id}/retention</c> and the actions).</summary>
public sealed record RetentionDocument(
    string PackageId,
    string State,
    string RetentionClass,
    string? ExpiresAt,
    bool Pinned,
    bool EligibleForDeletion,
    List<HoldDocument> Holds);

public sealed record HoldDocument(
    string HoldId,
    string Reason,
    string Actor,
    string AppliedAt,
    bool Active,
    string? ReleasedAt,
    string? ReleasedBy,
    string? ReleaseReason);

/// <summary>The answer to placing a hold (201): the new hold and the package's retention after it.</summary>
public sealed record HoldCreatedDocument(string HoldId, string PackageId, string Reason, string Actor, string AppliedAt, RetentionDocument Retention);

/// <summary>The body of <c>POST …/retention/extensions</c>.</summary>
public sealed record ExtendRequest(string NewExpiresAt, string Reason);

/// <summary>The body of a hold, release, pin or unpin: why (recorded with the actor).</summary>
public sealed record ReasonRequest(string Reason);
