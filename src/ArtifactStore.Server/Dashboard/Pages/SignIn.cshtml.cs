using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>Paste a token, get the session cookie (docs/dashboard.md, "Sign-in"); sign out clears it.</summary>
[SignedOutAllowed]
public sealed class SignInModel : DashboardPageModel
{
    [BindProperty(SupportsGet = true, Name = "return")]
    public string? Return { get; set; }

    public bool Refused { get; private set; }

    public async Task<IActionResult> OnPostAsync(string? token)
    {
        var secret = token?.Trim();
        if (string.IsNullOrEmpty(secret) || await Store.Tokens.AuthenticateAsync(secret, Aborted) is null)
        {
            Refused = true;
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        DashboardSession.SignIn(HttpContext, secret);
        return Redirect(LocalReturn(Return));
    }

    public IActionResult OnPostSignOut()
    {
        DashboardSession.SignOut(HttpContext);
        return Done("/sign-in", "signed-out");
    }

    /// <summary>Only a path on this site: never an absolute or protocol-relative URL (no open redirect).</summary>
    private static string LocalReturn(string? target) =>
        target is { Length: > 0 } && target[0] == '/' && !target.StartsWith("//", StringComparison.Ordinal) && !target.StartsWith("/\\", StringComparison.Ordinal)
            ? target
            : "/";
}
