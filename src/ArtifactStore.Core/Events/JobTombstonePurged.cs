using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.job.tombstone_purged</c>: the expired job's record is removed; its id answers <c>job_not_found</c>.</summary>
public sealed record JobTombstonePurged(Guid JobId)
{
    public CborMap ToCbor() => new() { { "job_id", JobId.ToString() } };

    public static JobTombstonePurged FromCbor(CborMap map) => new(Guid.Parse(map.GetText("job_id")));
}
