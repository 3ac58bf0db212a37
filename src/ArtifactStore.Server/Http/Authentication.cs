using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Security;
using ArtifactStore.Server.Dashboard;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Bearer-token authentication and role checks (docs/security.md). Every endpoint needs a token with a
/// role at least its <see cref="RequiredRole"/> (<c>reader</c> when it declares none), unless it is a
/// <see cref="PublicEndpoint"/>. A request without a valid token goes on only when
/// <see cref="AnonymousAccess"/> says the store is open, asked on every request. The token's name becomes
/// the actor of what the request changes. Tokens are looked up per request (from memory where this process alone
/// changes the database, dropped around every create and revoke), so revocation is immediate.
/// Token values are never logged.
/// </summary>
public static class Authentication
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        // The dashboard authenticates by its own session cookie (Dashboard/DashboardAccessFilter), never by this header.
        if (endpoint?.Metadata.GetMetadata<PublicEndpoint>() is not null || endpoint?.Metadata.GetMetadata<DashboardPage>() is not null)
        {
            await next(context);
            return;
        }

        // Closed by default: an endpoint that forgot to declare its role still needs a token.
        var required = endpoint?.Metadata.GetMetadata<RequiredRole>()?.Role ?? Role.Reader;
        var token = await TokenOfAsync(context);
        if (token is null)
        {
            var tokens = context.RequestServices.GetRequiredService<StoreRuntime>().Tokens;
            if (await context.RequestServices.GetRequiredService<AnonymousAccess>().PermitsAnonymousAsync(tokens, context.RequestAborted))
            {
                await next(context);
                return;
            }

            // OCI clients (skopeo, podman, docker) answer a Basic challenge with the credentials they were given;
            // the token is the password (docs/oci.md, "Auth").
            context.Response.Headers.WWWAuthenticate = OciErrors.Applies(context) ? "Basic realm=\"artifactstore\"" : "Bearer realm=\"artifactstore\"";
            await Problems.WriteAsync(context, new StoreError(ErrorCodes.Unauthorized,
                SecretOf(context) is not null ? "the API token is unknown or has been revoked"
                : OciErrors.Applies(context) ? "this store requires an API token: log in with any user name and the token as password"
                : "this store requires an API token: send 'Authorization: Bearer <token>'"));
            return;
        }

        if (token.Role < required)
        {
            await Problems.WriteAsync(context, new StoreError(ErrorCodes.Forbidden,
                $"token '{token.Name}' has role {Roles.Name(token.Role)}; this request needs {Roles.Name(required)}"));
            return;
        }

        Actors.Set(context, token.Name);
        await next(context);
    }

    /// <summary>The active token the request carries, or null (no header, unknown or revoked secret).</summary>
    public static async Task<TokenRecord?> TokenOfAsync(HttpContext context)
    {
        var secret = SecretOf(context);
        return secret is null
            ? null
            : await context.RequestServices.GetRequiredService<StoreRuntime>().Tokens.AuthenticateAsync(secret, context.RequestAborted);
    }

    /// <summary>The token of <c>Authorization: Bearer &lt;token&gt;</c>, or the password of <c>Basic</c> (any user name), as OCI clients send it.</summary>
    private static string? SecretOf(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? BasicPassword(header["Basic ".Length..].Trim()) : null;
    }

    private static string? BasicPassword(string encoded)
    {
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var length))
        {
            return null;
        }

        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && colon < text.Length - 1 ? text[(colon + 1)..] : null;
    }
}
