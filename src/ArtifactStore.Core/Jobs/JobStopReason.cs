namespace ArtifactStore.Core.Jobs;

/// <summary>Why an attempt was stopped before it ended by itself.</summary>
internal enum JobStopReason
{
    None,
    Canceled,
    Shutdown,
    LeaseLost,
    TimedOut,
}
