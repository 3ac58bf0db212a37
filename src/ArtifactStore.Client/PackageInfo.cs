namespace ArtifactStore.Client;

/// <summary>A package as the API returns it.</summary>
public sealed record PackageInfo(
    string Id,
    string Name,
    Dictionary<string, string> Labels,
    string State,
    string CreatedAt,
    string CreatedBy,
    string RetentionClass,
    string ManifestDigest,
    List<PackageFileInfo> Files,
    RetentionInfo Retention);

public sealed record PackageFileInfo(string Path, long Size, string Sha256, string Blake3, string MediaType);

public sealed record RetentionInfo(string? ExpiresAt, bool Pinned, bool EligibleForDeletion);

public sealed record PackageList(List<PackageInfo> Items, string? NextCursor);
