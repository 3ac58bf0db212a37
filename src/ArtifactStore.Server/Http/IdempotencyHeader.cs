using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>The <c>Idempotency-Key</c> header of a create request, claimed for the caller before the body is read.</summary>
public static class IdempotencyHeader
{
    /// <summary>The claim (null when the request has no key), or the problem that refuses the request.</summary>
    public static async Task<Result<IdempotencyClaim?>> ClaimAsync(HttpContext context, StoreRuntime store, string operation)
    {
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0)
        {
            return Result<IdempotencyClaim?>.Ok(null);
        }

        var claimed = await store.Idempotency.ClaimAsync(Actors.Of(context), key, operation, context.RequestAborted);
        return claimed.IsSuccess ? claimed.Value : claimed.Error;
    }

    /// <summary>Gives the claim up when the request did not complete, so that the client may retry with the same key.</summary>
    public static Task ReleaseUnlessCompletedAsync(StoreRuntime store, IdempotencyClaim? claim, bool completed) =>
        claim is not null && !completed ? store.Idempotency.ReleaseAsync(claim, CancellationToken.None) : Task.CompletedTask;
}
