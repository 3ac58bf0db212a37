namespace ArtifactStore.Core.Jobs;

/// <summary>
/// Who runs an attempt of a job and until when the claim holds without a heartbeat. Operational state,
/// not an event: heartbeats would flood the log. <see cref="ProcessGroup"/> is the converter's process
/// group, so that a later process can kill what a crashed one left running.
/// </summary>
public sealed record JobLease(Guid JobId, string Owner, int Attempt, DateTimeOffset ExpiresAt, int? ProcessGroup);
