using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Storage;

/// <summary>A live package's need for a blob: one of its files (<paramref name="Path"/>), or its manifest (null path).</summary>
public sealed record BlobReference(BlobDigest Digest, Guid PackageId, string PackageName, string? Path, long Size)
{
    public string Describe() => Path is null
        ? $"the manifest of package {PackageId} ({PackageName})"
        : $"file '{Path}' of package {PackageId} ({PackageName})";
}
