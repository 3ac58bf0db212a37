using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>
/// Payload of <c>v1.retention.deletion_eligible</c> (the sweeper found the package expired, unheld and
/// unpinned as of <see cref="AsOf"/>) and <c>v1.retention.deletion_ineligible</c> (an extension, hold or
/// pin made it ineligible again; <see cref="Cause"/> names which).
/// </summary>
public sealed record EligibilityChanged(Guid PackageId, DateTimeOffset? ExpiresAt, DateTimeOffset AsOf, string Cause)
{
    public CborMap ToCbor() => new()
    {
        { "package_id", PackageId.ToString() },
        { "expires_at", CborFields.Time(ExpiresAt) },
        { "as_of", CborFields.Time(AsOf) },
        { "cause", Cause },
    };

    public static EligibilityChanged FromCbor(CborMap map) => new(
        Guid.Parse(map.GetText("package_id")),
        CborFields.Time(map, "expires_at"),
        CborFields.Time(map, "as_of")!.Value,
        map.GetText("cause"));
}
