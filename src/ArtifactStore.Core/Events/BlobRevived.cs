using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>
/// Payload of <c>v1.blob.revived</c>: an upload that no package references yet (a finished upload session) put the
/// bytes of a condemned blob, so the blob's grace period starts again at the event's time (docs/gc.md, "Uploads
/// without a package").
/// </summary>
public sealed record BlobRevived(BlobDigest Digest)
{
    public CborMap ToCbor() => new() { { "sha256", Digest.ToString() } };

    public static BlobRevived FromCbor(CborMap map) => new(BlobDigest.Parse(map.GetText("sha256")));
}
