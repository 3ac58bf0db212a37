using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>
/// Payload of <c>v1.package.deleted</c>: the package became a tombstone. <see cref="ReleasedBlobs"/> are
/// the blobs no live package references any more (condemned, reclaimed by the reaper after the grace
/// period); <see cref="BytesReleased"/> is their size measured on disk at deletion.
/// </summary>
public sealed record PackageDeleted(Guid PackageId, string Reason, DateTimeOffset? ExpiresAt, IReadOnlyList<BlobDigest> ReleasedBlobs, long BytesReleased)
{
    public CborMap ToCbor() => new()
    {
        { "package_id", PackageId.ToString() },
        { "reason", Reason },
        { "expires_at", CborFields.Time(ExpiresAt) },
        { "released_blobs", new CborArray(ReleasedBlobs.Select(d => (CborValue)d.ToString())) },
        { "bytes_released", BytesReleased },
    };

    public static PackageDeleted FromCbor(CborMap map) => new(
        Guid.Parse(map.GetText("package_id")),
        map.GetText("reason"),
        CborFields.Time(map, "expires_at"),
        map.GetArray("released_blobs").Select(v => BlobDigest.Parse(((CborTextString)v).Value)).ToList(),
        map.GetInt64("bytes_released"));
}
