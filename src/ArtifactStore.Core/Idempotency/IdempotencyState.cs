namespace ArtifactStore.Core.Idempotency;

public enum IdempotencyState
{
    InProgress,
    Completed,
}
