namespace ArtifactStore.Core.Jobs;

/// <summary>
/// <c>queued → running → succeeded | failed | canceled</c>, <c>running → queued</c> on a retry or a
/// recovery; a finished job whose retention ran out becomes <c>expired</c> (a tombstone).
/// </summary>
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
    Expired,
}
