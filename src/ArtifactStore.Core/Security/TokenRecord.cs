namespace ArtifactStore.Core.Security;

/// <summary>An API token as stored: never the secret itself, only its SHA-256.</summary>
public sealed record TokenRecord(
    string TokenId,
    string Name,
    Role Role,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? RevokedAt,
    string? RevokedBy)
{
    public bool IsActive => RevokedAt is null;
}
