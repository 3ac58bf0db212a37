using ArtifactStore.Core.Security;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.Server.Dashboard;

/// <summary>
/// Who is using the dashboard (docs/dashboard.md, "Sign-in"): the token in the session cookie, looked up on every
/// request (so revocation applies to the next page), or — while <see cref="AnonymousAccess"/> says the store is
/// open — an anonymous caller with every right, as the API allows. Null when neither holds: the caller must sign in.
/// </summary>
public sealed record DashboardSession(string Actor, Role Role, bool Anonymous)
{
    /// <summary>The cookie that carries the pasted token: HttpOnly (no script reads it), SameSite=Strict, path <c>/</c>.</summary>
    public const string CookieName = "artifactstore_session";

    public bool Can(Role role) => Role >= role;

    public static async Task<DashboardSession?> ResolveAsync(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<StoreRuntime>().Tokens;
        if (context.Request.Cookies[CookieName] is { Length: > 0 } secret &&
            await tokens.AuthenticateAsync(secret, context.RequestAborted) is { } token)
        {
            return new DashboardSession(token.Name, token.Role, Anonymous: false);
        }

        return await context.RequestServices.GetRequiredService<AnonymousAccess>().PermitsAnonymousAsync(tokens, context.RequestAborted)
            ? new DashboardSession(Actors.Anonymous, Role.Admin, Anonymous: true)
            : null;
    }

    /// <summary>Stores the token in the session cookie (Secure when the request came over HTTPS).</summary>
    public static void SignIn(HttpContext context, string secret) =>
        context.Response.Cookies.Append(CookieName, secret, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            IsEssential = true,
        });

    public static void SignOut(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/", SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps });
}
