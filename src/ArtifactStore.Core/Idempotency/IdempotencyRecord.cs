namespace ArtifactStore.Core.Idempotency;

/// <summary>
/// A durable record of a request made with an <c>Idempotency-Key</c> (docs/upload.md, "Idempotency"). While
/// <see cref="State"/> is <see cref="IdempotencyState.InProgress"/> another request with the key is
/// refused; once completed, a request with the same fingerprint replays <see cref="ResourceId"/>.
/// </summary>
public sealed record IdempotencyRecord(
    string Scope,
    string Key,
    string Operation,
    IdempotencyState State,
    string? Fingerprint,
    string? ResourceId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);
