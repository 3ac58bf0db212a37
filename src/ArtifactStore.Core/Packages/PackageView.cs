using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Packages;

/// <summary>A package as the views hold it.</summary>
public sealed record PackageView(
    Guid Id,
    string Name,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    PackageState State,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string RetentionClass,
    BlobDigest ManifestDigest,
    long ManifestSize,
    IReadOnlyList<PackageFile> Files,
    RetentionView Retention,
    PackageTombstone? Tombstone = null);
