using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Security;

/// <summary>
/// API tokens (docs/security.md): random secrets shown once, stored only as their SHA-256, each with a name (the
/// <c>actor</c> of the events it causes) and a role. Creation and revocation are events like any change.
/// With <paramref name="cacheLookups"/> (only where no other process changes the database), what authentication
/// asks on every request is answered from memory (<see cref="TokenLookupCache"/>).
/// </summary>
public sealed partial class TokenService(IStoreDatabase database, bool cacheLookups = false)
{
    public const string SecretPrefix = "ast_";
    private readonly TokenLookupCache? _lookups = cacheLookups ? new TokenLookupCache() : null;

    public async Task<Result<(TokenRecord Token, string Secret)>> CreateAsync(string name, Role role, string actor, CancellationToken cancellationToken)
    {
        if (!TokenName().IsMatch(name))
        {
            return StoreError.Validation("a token name is 1-64 characters of A-Z, a-z, 0-9, '.', '_', '-' and '@'", "name");
        }

        var secret = SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var tokenId = CanonicalId.ToText(Guid.CreateVersion7());
        var result = await ChangeAsync(() => database.WriteAsync<bool>(async (writer, ct) =>
        {
            var tokens = await database.Views.ListTokensAsync(ct);
            if (tokens.Any(t => t.IsActive && t.Name == name))
            {
                return new StoreError(ErrorCodes.TokenNameTaken, $"an active token is already named '{name}'; revoke it first or choose another name");
            }

            await writer.AppendAsync(new NewEvent(EventTypes.SystemStream, EventTypes.TokenCreated, actor,
                new TokenCreated(tokenId, name, Roles.Name(role), HashOf(secret)).ToCbor()), ct);
            return true;
        }, cancellationToken));
        if (!result.IsSuccess)
        {
            return result.Error;
        }

        var token = (await database.Views.ListTokensAsync(cancellationToken)).Single(t => t.TokenId == tokenId);
        return (token, secret);
    }

    /// <summary>Revokes the active token with this name (or id). Effective for the very next request.</summary>
    public async Task<Result<TokenRecord>> RevokeAsync(string nameOrId, string actor, CancellationToken cancellationToken)
    {
        var result = await ChangeAsync(() => database.WriteAsync<string>(async (writer, ct) =>
        {
            // Ids compare as text, so only the canonical spelling the store issued names a token.
            var token = (await database.Views.ListTokensAsync(ct)).FirstOrDefault(t => t.IsActive && (t.Name == nameOrId || t.TokenId == nameOrId));
            if (token is null)
            {
                // Repeat the text only when it could be a name or an id: an answer never hands back text the store would not issue.
                return new StoreError(ErrorCodes.TokenNotFound, TokenName().IsMatch(nameOrId) || CanonicalId.TryParse(nameOrId, out _)
                    ? $"there is no active token named '{nameOrId}'"
                    : "there is no active token with that name or id");
            }

            await writer.AppendAsync(new NewEvent(EventTypes.SystemStream, EventTypes.TokenRevoked, actor, new TokenRevoked(token.TokenId).ToCbor()), ct);
            return token.TokenId;
        }, cancellationToken));
        if (!result.IsSuccess)
        {
            return result.Error;
        }

        return (await database.Views.ListTokensAsync(cancellationToken)).Single(t => t.TokenId == result.Value);
    }

    public Task<IReadOnlyList<TokenRecord>> ListAsync(CancellationToken cancellationToken) => database.Views.ListTokensAsync(cancellationToken);

    /// <summary>True once any token is active: from then on every request must carry one.</summary>
    public async Task<bool> AnyActiveAsync(CancellationToken cancellationToken)
    {
        if (_lookups?.AnyActive is { } known)
        {
            return known;
        }

        var generation = _lookups?.BeginRead();
        var anyActive = (await database.Views.ListTokensAsync(cancellationToken)).Any(t => t.IsActive);
        if (generation is { } seen)
        {
            _lookups!.RememberAnyActive(anyActive, seen);
        }

        return anyActive;
    }

    /// <summary>The active token with this secret, or null.</summary>
    public async Task<TokenRecord?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 128)
        {
            return null;
        }

        var hash = HashOf(secret);
        if (_lookups?.FindActive(hash) is { } remembered)
        {
            return remembered;
        }

        var generation = _lookups?.BeginRead();
        var token = await database.Views.FindTokenAsync(hash, cancellationToken);
        if (token is not { IsActive: true })
        {
            return null;
        }

        if (generation is { } seen)
        {
            _lookups!.RememberActive(hash, token, seen);
        }

        return token;
    }

    /// <summary>Runs a unit of work that creates or revokes a token, with the lookup cache dropped before and after it.</summary>
    private async Task<Result<T>> ChangeAsync<T>(Func<Task<Result<T>>> change)
    {
        _lookups?.BeginChange();
        try
        {
            return await change();
        }
        finally
        {
            _lookups?.EndChange();
        }
    }

    private static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));

    [GeneratedRegex(@"\A[A-Za-z0-9._@-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TokenName();
}
