using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Packages;

/// <summary>One file of a package: where it sits in the package and which blob holds its bytes.</summary>
public sealed record PackageFile(string Path, long Size, BlobDigest Sha256, string Blake3Hex, string MediaType);
