using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.job.started</c>: attempt <see cref="Attempt"/> leased by the process <see cref="Worker"/>.</summary>
public sealed record JobStarted(Guid JobId, int Attempt, string Worker)
{
    public CborMap ToCbor() => new() { { "job_id", JobId.ToString() }, { "attempt", Attempt }, { "worker", Worker } };

    public static JobStarted FromCbor(CborMap map) =>
        new(Guid.Parse(map.GetText("job_id")), (int)map.GetInt64("attempt"), map.GetText("worker"));
}
