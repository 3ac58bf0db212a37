using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Packages;

/// <summary>A file of an upload whose bytes are staged and digested.</summary>
public sealed record StagedFile(string Path, string MediaType, StagedBlob Blob, bool AlreadyStored = false)
{
    public PackageFile ToPackageFile() => new(Path, Blob.Size, Blob.Digest, Blob.Blake3Hex, MediaType);
}
