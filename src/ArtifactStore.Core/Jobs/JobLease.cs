namespace ArtifactStore.Core.Jobs;

/// <summary>
/// Who runs an attempt of a job and until when the claim holds without a heartbeat. Operational state,
/// not an event: heartbeats would flood the log. <see cref="ProcessGroup"/> is the converter's process
/// group, so that a later process can kill what a crashed one left running.
/// </summary>
public sealed record JobLease(Guid JobId, string Owner, int Attempt, DateTimeOffset ExpiresAt, int? ProcessGroup)
{
    /// <summary>
    /// When someone asked to cancel the job, through whichever process; null when nobody did. The lease
    /// record, not a signal inside one process, is what tells the holder to stop (docs/jobs.md).
    /// </summary>
    public DateTimeOffset? CancelRequestedAt { get; init; }

    /// <summary>
    /// A lease nobody renewed up to <paramref name="now"/>: its holder died or hangs, and another process
    /// may requeue the job. A lease that has not expired is never taken from its holder.
    /// </summary>
    public bool HasExpired(DateTimeOffset now) => ExpiresAt <= now;
}
