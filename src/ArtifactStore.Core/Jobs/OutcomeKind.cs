namespace ArtifactStore.Core.Jobs;

internal enum OutcomeKind
{
    Succeeded,
    Retry,
    Failed,
    Canceled,
    Shutdown,
    LeaseLost,
}
