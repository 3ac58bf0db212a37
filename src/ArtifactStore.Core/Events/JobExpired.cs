using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.job.expired</c>: the job record's retention ended; from here on it answers <c>job_expired</c>.</summary>
public sealed record JobExpired(Guid JobId, DateTimeOffset? ExpiresAt, DateTimeOffset AsOf)
{
    public CborMap ToCbor() => new() { { "job_id", JobId.ToString() }, { "expires_at", CborFields.Time(ExpiresAt) }, { "as_of", CborFields.Time(AsOf) } };

    public static JobExpired FromCbor(CborMap map) =>
        new(Guid.Parse(map.GetText("job_id")), CborFields.Time(map, "expires_at"), CborFields.Time(map, "as_of")!.Value);
}
