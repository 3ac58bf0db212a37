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
    /// <summary>Every blob the package brings: the files uploaded with it and its manifest (put before the unit of work).</summary>
    public IReadOnlyCollection<StagedBlob> Blobs => [.. Upload.Files.Where(f => !f.AlreadyStored).Select(f => f.Blob), Manifest];

    /// <summary>The blobs its files name by digest, which the store already held (checked inside the unit of work, never put).</summary>
    public IReadOnlyCollection<StagedBlob> StoredBlobs => [.. Upload.Files.Where(f => f.AlreadyStored).Select(f => f.Blob)];
}
