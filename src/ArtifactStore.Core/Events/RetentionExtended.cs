using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.retention.extended</c>: the expiry moved later, with the reason.</summary>
public sealed record RetentionExtended(Guid PackageId, DateTimeOffset? OldExpiresAt, DateTimeOffset NewExpiresAt, string Reason)
{
    public CborMap ToCbor() => new()
    {
        { "package_id", PackageId.ToString() },
        { "old_expires_at", CborFields.Time(OldExpiresAt) },
        { "new_expires_at", CborFields.Time(NewExpiresAt) },
        { "reason", Reason },
    };

    public static RetentionExtended FromCbor(CborMap map) => new(
        Guid.Parse(map.GetText("package_id")),
        CborFields.Time(map, "old_expires_at"),
        CborFields.Time(map, "new_expires_at")!.Value,
        map.GetText("reason"));
}
