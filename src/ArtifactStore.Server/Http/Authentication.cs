using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Security;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Bearer-token authentication and role checks (docs/security.md). Until the first token exists the store is
/// open (and the server listens on loopback only); from then on every API request needs an active
/// token with a role at least the endpoint's <see cref="RequiredRole"/>. The token's name becomes the
/// actor of what the request changes. Tokens are looked up per request, so revocation is immediate.
/// Token values are never logged.
/// </summary>
public static class Authentication
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredRole>();
        if (required is null)
        {
            await next(context);
            return;
        }

        var tokens = ((StoreRuntime)context.RequestServices.GetService(typeof(StoreRuntime))!).Tokens;
        var header = context.Request.Headers.Authorization.ToString();
        var secret = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        var token = secret is null ? null : await tokens.AuthenticateAsync(secret, context.RequestAborted);
        if (token is null)
        {
            // No valid token: fine only while the store has no tokens at all (asked only on this path).
            if (!await tokens.AnyActiveAsync(context.RequestAborted))
            {
                await next(context);
                return;
            }

            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"artifactstore\"";
            await Problems.WriteAsync(context, new StoreError(ErrorCodes.Unauthorized,
                secret is null ? "this store requires an API token: send 'Authorization: Bearer <token>'" : "the API token is unknown or has been revoked"));
            return;
        }

        if (token.Role < required.Role)
        {
            await Problems.WriteAsync(context, new StoreError(ErrorCodes.Forbidden,
                $"token '{token.Name}' has role {Roles.Name(token.Role)}; this request needs {Roles.Name(required.Role)}"));
            return;
        }

        Actors.Set(context, token.Name);
        await next(context);
    }
}
