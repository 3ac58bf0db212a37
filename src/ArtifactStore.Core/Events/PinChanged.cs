using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.retention.pinned</c> and <c>v1.retention.unpinned</c>.</summary>
public sealed record PinChanged(Guid PackageId, string Reason)
{
    public CborMap ToCbor() => new() { { "package_id", PackageId.ToString() }, { "reason", Reason } };

    public static PinChanged FromCbor(CborMap map) => new(Guid.Parse(map.GetText("package_id")), map.GetText("reason"));
}
