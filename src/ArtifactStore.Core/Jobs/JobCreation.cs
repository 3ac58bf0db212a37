namespace ArtifactStore.Core.Jobs;

/// <summary>A submitted job; <see cref="Replayed"/> when it was submitted earlier under the same Idempotency-Key.</summary>
public sealed record JobCreation(JobView Job, bool Replayed);
