using System.Text.Json.Serialization;

namespace ArtifactStore.Contract;

/// <summary>A package as <c>GET /v1/packages/{id}</c> and <c>POST /v1/packages</c> answer it (docs/api.md, "Packages").</summary>
public sealed record PackageDocument(
    string Id,
    string Name,
    Dictionary<string, string> Labels,
    string State,
    string CreatedAt,
    string CreatedBy,
    string RetentionClass,
    string ManifestDigest,
    List<PackageFileDocument> Files,
    PackageRetentionSummary Retention,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    TombstoneDocument? Tombstone = null);

/// <summary>One file of a package: its path, size, both digests and media type.</summary>
public sealed record PackageFileDocument(string Path, long Size, string Sha256, string Blake3, string MediaType);

/// <summary>The retention part of a package document: only the active holds.</summary>
public sealed record PackageRetentionSummary(string? ExpiresAt, bool Pinned, List<ActiveHoldDocument> Holds, bool EligibleForDeletion);

public sealed record ActiveHoldDocument(string HoldId, string Reason, string Actor, string AppliedAt);

/// <summary>What is left of a deleted package: when, why, and its files with their digests.</summary>
public sealed record TombstoneDocument(
    string Id,
    string Name,
    string? DeletedAt,
    string? Reason,
    string? ExpiresAt,
    string RetentionClass,
    long? BytesReleased,
    string ManifestDigest,
    List<TombstoneFileDocument> Files);

public sealed record TombstoneFileDocument(string Path, long Size, string Sha256, string Blake3);

/// <summary>One page of <c>GET /v1/packages</c>; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record PackageListDocument(List<PackageDocument> Items, string? NextCursor);
