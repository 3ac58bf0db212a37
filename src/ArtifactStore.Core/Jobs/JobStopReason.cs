namespace ArtifactStore.Core.Jobs;

/// <summary>Why an attempt was stopped before its handler returned (a timeout is told apart by its own token).</summary>
internal enum JobStopReason
{
    None,
    Canceled,
    Shutdown,
    LeaseLost,
}
