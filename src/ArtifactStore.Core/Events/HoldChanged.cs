using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.retention.hold_applied</c> and <c>v1.retention.hold_released</c>.</summary>
public sealed record HoldChanged(Guid PackageId, string HoldId, string Reason)
{
    public CborMap ToCbor() => new()
    {
        { "package_id", PackageId.ToString() },
        { "hold_id", HoldId },
        { "reason", Reason },
    };

    public static HoldChanged FromCbor(CborMap map) =>
        new(Guid.Parse(map.GetText("package_id")), map.GetText("hold_id"), map.GetText("reason"));
}
