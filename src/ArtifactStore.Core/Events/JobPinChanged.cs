using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.job.pinned</c> and <c>v1.job.unpinned</c>.</summary>
public sealed record JobPinChanged(Guid JobId, string Reason)
{
    public CborMap ToCbor() => new() { { "job_id", JobId.ToString() }, { "reason", Reason } };

    public static JobPinChanged FromCbor(CborMap map) => new(Guid.Parse(map.GetText("job_id")), map.GetText("reason"));
}
