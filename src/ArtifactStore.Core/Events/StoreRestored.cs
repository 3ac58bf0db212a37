using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Core.Events;

/// <summary>
/// Payload of <c>v1.store.restored</c>, the first event a restored root writes: the log up to
/// <see cref="BackupHeadSeq"/> came from a backup of <see cref="FromStoreId"/> (profile
/// <see cref="FromProfile"/>) taken at <see cref="BackupCreatedAt"/>. Whatever the original store
/// recorded after that is not in this log. When the restore re-bound the data to another profile,
/// <see cref="StoreId"/> is the new store's own id.
/// </summary>
public sealed record StoreRestored(
    string FromStoreId,
    string FromProfile,
    string StoreId,
    string Profile,
    DateTimeOffset BackupCreatedAt,
    long BackupHeadSeq)
{
    public bool Rebound => FromStoreId != StoreId;

    public CborMap ToCbor() => new()
    {
        { "from_store_id", FromStoreId },
        { "from_profile", FromProfile },
        { "store_id", StoreId },
        { "profile", Profile },
        { "backup_created_at", Rfc3339.ToText(BackupCreatedAt) },
        { "backup_head_seq", BackupHeadSeq },
    };

    public static StoreRestored FromCbor(CborMap map) => new(
        map.GetText("from_store_id"),
        map.GetText("from_profile"),
        map.GetText("store_id"),
        map.GetText("profile"),
        Rfc3339.Parse(map.GetText("backup_created_at")),
        map.GetInt64("backup_head_seq"));
}
