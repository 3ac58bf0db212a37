using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.blob.reaped</c>: the reaper deleted a condemned blob's bytes, freeing <see cref="BytesFreed"/> (measured).</summary>
public sealed record BlobReaped(BlobDigest Digest, long BytesFreed)
{
    public CborMap ToCbor() => new() { { "sha256", Digest.ToString() }, { "bytes_freed", BytesFreed } };

    public static BlobReaped FromCbor(CborMap map) => new(BlobDigest.Parse(map.GetText("sha256")), map.GetInt64("bytes_freed"));
}
