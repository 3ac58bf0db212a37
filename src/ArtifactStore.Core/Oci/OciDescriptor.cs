using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Oci;

/// <summary>A content descriptor of a manifest: what it references, how large, of which type.</summary>
public sealed record OciDescriptor(BlobDigest Digest, long Size, string MediaType);
