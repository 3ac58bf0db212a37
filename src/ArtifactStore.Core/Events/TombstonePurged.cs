using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.package.tombstone_purged</c>: the tombstone outlived its retention and is gone.</summary>
public sealed record TombstonePurged(Guid PackageId)
{
    public CborMap ToCbor() => new() { { "package_id", PackageId.ToString() } };

    public static TombstonePurged FromCbor(CborMap map) => new(Guid.Parse(map.GetText("package_id")));
}
