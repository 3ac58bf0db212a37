namespace ArtifactStore.Core.Idempotency;

/// <summary>
/// The outcome of claiming an idempotency key before doing the work. Either this request owns the
/// key (<see cref="Existing"/> is null, <see cref="Token"/> identifies the claim), or the key has
/// already completed and <see cref="Existing"/> holds what to replay if the fingerprints match.
/// </summary>
public sealed record IdempotencyClaim(string Scope, string Key, string Operation, string Token, IdempotencyRecord? Existing)
{
    public bool IsReplay => Existing is not null;
}
