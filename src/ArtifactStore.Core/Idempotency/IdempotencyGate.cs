using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Idempotency;

/// <summary>
/// Claims and releases idempotency keys (docs/upload.md, "Idempotency"). A claim is written durably before the request's
/// body is read, so a second request with the same key is refused while the first is in progress,
/// even from another replica; completion is recorded in the same unit of work as the result.
/// </summary>
public sealed class IdempotencyGate(IStoreDatabase database, TimeSpan window)
{
    public const int MaxKeyLength = 255;

    /// <summary>
    /// How long past its expiry a completed record is kept before GC purges it. A replay only needs a record
    /// until its expiry, as this process's clock reads it; the margin covers replicas whose clocks run behind the
    /// one that collects, so that none of them still answers a replay from a record already gone.
    /// </summary>
    public static readonly TimeSpan PurgeMargin = TimeSpan.FromHours(1);

    public TimeSpan Window => window;

    public static string? CheckKey(string key) =>
        key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~')
            ? $"Idempotency-Key must be 1-{MaxKeyLength} printable ASCII characters without spaces"
            : null;

    public async Task<Result<IdempotencyClaim>> ClaimAsync(string scope, string key, string operation, CancellationToken cancellationToken)
    {
        if (CheckKey(key) is { } problem)
        {
            return StoreError.Validation(problem, "Idempotency-Key");
        }

        var token = Guid.NewGuid().ToString("N");
        return await database.WriteAsync<IdempotencyClaim>(async (writer, ct) =>
        {
            var existing = await writer.GetIdempotencyAsync(scope, key, ct);
            if (existing is not null && existing.ExpiresAt > writer.Now)
            {
                if (existing.State == IdempotencyState.InProgress)
                {
                    return new StoreError(ErrorCodes.IdempotencyRequestInProgress,
                        "a request with this Idempotency-Key is still being processed; retry when it has finished");
                }

                if (existing.Operation != operation)
                {
                    return new StoreError(ErrorCodes.IdempotencyKeyReused,
                        $"this Idempotency-Key was used for another operation ({existing.Operation})");
                }

                return new IdempotencyClaim(scope, key, operation, token, existing);
            }

            await writer.PutIdempotencyAsync(
                new IdempotencyRecord(scope, key, operation, IdempotencyState.InProgress, null, token, writer.Now, writer.Now + window), ct);
            return new IdempotencyClaim(scope, key, operation, token, null);
        }, cancellationToken);
    }

    /// <summary>The record that marks a claim as completed; written by the caller in its own unit of work.</summary>
    public IdempotencyRecord Completed(IdempotencyClaim claim, string fingerprint, string resourceId, DateTimeOffset now) =>
        new(claim.Scope, claim.Key, claim.Operation, IdempotencyState.Completed, fingerprint, resourceId, now, now + window);

    /// <summary>Checks inside a unit of work that the claim is still this request's (not expired and taken over).</summary>
    public static async Task<bool> StillOwnsAsync(IStoreWriter writer, IdempotencyClaim claim, CancellationToken cancellationToken)
    {
        var current = await writer.GetIdempotencyAsync(claim.Scope, claim.Key, cancellationToken);
        return current is { State: IdempotencyState.InProgress } && current.ResourceId == claim.Token;
    }

    /// <summary>Gives up a claim that did not complete, so that the client may retry with the same key.</summary>
    public async Task ReleaseAsync(IdempotencyClaim claim, CancellationToken cancellationToken)
    {
        if (claim.IsReplay)
        {
            return;
        }

        _ = await database.WriteAsync<bool>(async (writer, ct) =>
        {
            if (await StillOwnsAsync(writer, claim, ct))
            {
                await writer.DeleteIdempotencyAsync(claim.Scope, claim.Key, ct);
            }

            return true;
        }, CancellationToken.None);
    }
}
