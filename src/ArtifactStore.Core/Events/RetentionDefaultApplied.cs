using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.retention.default_applied</c>: the class and the expiry it gave (null: never).</summary>
public sealed record RetentionDefaultApplied(Guid PackageId, string RetentionClass, DateTimeOffset? ExpiresAt)
{
    public CborMap ToCbor() => new()
    {
        { "package_id", PackageId.ToString() },
        { "retention_class", RetentionClass },
        { "expires_at", ExpiresAt is { } at ? Rfc3339.ToText(at) : CborNull.Instance },
    };

    public static RetentionDefaultApplied FromCbor(CborMap map) => new(
        Guid.Parse(map.GetText("package_id")),
        map.GetText("retention_class"),
        map["expires_at"] is CborTextString text ? Rfc3339.Parse(text.Value) : null);
}
