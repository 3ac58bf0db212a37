namespace ArtifactStore.Contract;

/// <summary>What a retention sweep found (<c>POST /v1/admin/retention/sweep</c>).</summary>
public sealed record SweepReportDocument(string AsOf, bool DryRun, List<EligiblePackageDocument> Eligible, List<string> JobsExpired);

public sealed record EligiblePackageDocument(string PackageId, string Name, string? ExpiresAt);

/// <summary>What a garbage collection removed, or would remove on a dry run (<c>POST /v1/admin/gc</c>).</summary>
public sealed record GcReportDocument(
    string StartedAt,
    bool DryRun,
    List<DeletedPackageDocument> PackagesDeleted,
    List<BlobRemovedDocument> BlobsReaped,
    List<BlobRemovedDocument> OrphansRemoved,
    long UploadsAborted,
    List<string> TombstonesPurged,
    List<string> JobTombstonesPurged,
    List<ExpiredUploadDocument> UploadsExpired,
    long BytesFreed,
    long IdempotencyRecordsPurged);

public sealed record DeletedPackageDocument(string PackageId, string Name, long BytesReleased);

public sealed record BlobRemovedDocument(string Digest, long Bytes);

/// <summary>An upload session GC removed because it expired, with the bytes it held.</summary>
public sealed record ExpiredUploadDocument(string UploadId, long Bytes);

/// <summary>An API token's record; the secret is never part of it.</summary>
public sealed record TokenDocument(
    string TokenId,
    string Name,
    string Role,
    string CreatedAt,
    string CreatedBy,
    string? RevokedAt,
    string? RevokedBy);

public sealed record TokenListDocument(List<TokenDocument> Tokens);

/// <summary>The answer to creating a token (201): the secret, shown this once, and the record.</summary>
public sealed record TokenCreatedDocument(string Token, TokenDocument Details);

/// <summary>The body of <c>POST /v1/admin/tokens</c>.</summary>
public sealed record TokenCreateRequest(string Name, string Role);
