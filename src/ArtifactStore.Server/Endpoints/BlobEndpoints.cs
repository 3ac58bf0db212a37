using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Storage;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Endpoints;

/// <summary><c>HEAD|GET /v1/blobs/sha256:{hex}</c>: lets a client see whether the store already holds some content.</summary>
public static class BlobEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapMethods("/v1/blobs/{digest}", [HttpMethods.Get, HttpMethods.Head], SendAsync).WithMetadata(new RequiredRole(Role.Reader));

    private static async Task SendAsync(HttpContext context, StoreRuntime store, ILoggerFactory loggers, string digest)
    {
        if (!digest.StartsWith(BlobDigest.Prefix, StringComparison.Ordinal) || !BlobDigest.TryParse(digest, out var parsed))
        {
            await Problems.WriteAsync(context, StoreError.Validation("a blob is addressed as sha256:<64 lowercase hex>", "digest"));
            return;
        }

        var row = await store.Database.Views.GetBlobAsync(parsed.Value, context.RequestAborted);
        if (row is not { State: BlobState.Live })
        {
            await Problems.WriteAsync(context, new StoreError(ErrorCodes.BlobNotFound, $"the store holds no live blob {parsed.Value}"));
            return;
        }

        context.Response.Headers["X-Content-Blake3"] = "blake3:" + row.Blake3Hex;
        await BlobResponses.SendAsync(context, store.BlobReader, row.Digest, row.Size, "application/octet-stream",
            loggers.CreateLogger("ArtifactStore.Blobs"), headOnly: HttpMethods.IsHead(context.Request.Method), blake3Hex: row.Blake3Hex);
    }
}
