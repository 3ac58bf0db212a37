using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Retention;

namespace ArtifactStore.Core.Packages;

/// <summary>A validated upload with its manifest staged, ready to be created inside a unit of work.</summary>
public sealed record PreparedPackage(
    Guid Id,
    PackageCreated Created,
    RetentionClass RetentionClass,
    StagedBlob Manifest,
    PackageUpload Upload,
    string Fingerprint)
{
    /// <summary>Every blob the package references: its files and its manifest.</summary>
    public IReadOnlyCollection<StagedBlob> Blobs => [.. Upload.Files.Select(f => f.Blob), Manifest];
}
