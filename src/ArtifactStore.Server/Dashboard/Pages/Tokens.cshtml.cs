using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Security;
using Microsoft.AspNetCore.Mvc;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// Token administration (admin role, as <c>/v1/admin/tokens</c>): list, create — the secret is shown in the answer to
/// the create request only, never stored or shown again — and revoke, which applies to the next request.
/// </summary>
[DashboardRole(Role.Admin)]
public sealed class TokensModel : DashboardPageModel
{
    public IReadOnlyList<TokenRecord> Tokens { get; private set; } = [];

    public TokenRecord? Created { get; private set; }

    public string? Secret { get; private set; }

    public Task<IActionResult> OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? role)
    {
        if (!Roles.TryParse(role, out var parsed))
        {
            return await RefusedAsync(StoreError.Validation("role must be reader, writer, operator or admin", "role"), LoadAsync);
        }

        var created = await Store.Tokens.CreateAsync(name ?? string.Empty, parsed, Actor, Aborted);
        if (!created.IsSuccess)
        {
            return await RefusedAsync(created.Error!, LoadAsync);
        }

        // Answered directly, not redirected: the secret must not travel in a URL or be shown by a reload.
        (Created, Secret) = created.Value;
        return await LoadAsync();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string? name)
    {
        var revoked = await Store.Tokens.RevokeAsync(name ?? string.Empty, Actor, Aborted);
        return revoked.IsSuccess ? Done("/tokens", "revoked") : await RefusedAsync(revoked.Error!, LoadAsync);
    }

    private async Task<IActionResult> LoadAsync()
    {
        Tokens = await Store.Tokens.ListAsync(Aborted);
        return Page();
    }
}
