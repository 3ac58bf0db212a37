using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Jobs;

namespace ArtifactStore.Core.Events;

/// <summary>
/// Payload of <c>v1.job.requeued</c>: the job waits again, not before <see cref="NotBefore"/> (backoff),
/// with <see cref="Attempts"/> attempts counted so far. <see cref="Reason"/>: <c>retry</c>,
/// <c>recovered_after_restart</c>, <c>lease_expired</c> or <c>shutdown</c>.
/// </summary>
public sealed record JobRequeued(Guid JobId, string Reason, int Attempts, DateTimeOffset NotBefore, JobError? Error)
{
    public const string Retry = "retry";
    public const string RecoveredAfterRestart = "recovered_after_restart";
    public const string LeaseExpired = "lease_expired";
    public const string Shutdown = "shutdown";

    public CborMap ToCbor() => new()
    {
        { "job_id", JobId.ToString() },
        { "reason", Reason },
        { "attempts", Attempts },
        { "not_before", CborFields.Time(NotBefore) },
        { "error", JobErrorCbor.ToCbor(Error) },
    };

    public static JobRequeued FromCbor(CborMap map) => new(
        Guid.Parse(map.GetText("job_id")),
        map.GetText("reason"),
        (int)map.GetInt64("attempts"),
        CborFields.Time(map, "not_before")!.Value,
        JobErrorCbor.FromCbor(map));
}
