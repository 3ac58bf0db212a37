using System.Collections.Concurrent;

namespace ArtifactStore.Core.Security;

/// <summary>
/// What authentication asks of the token table on every request, remembered in memory so that a request needs
/// no database query (docs/security.md, "Tokens"): whether any token is active, and the active token behind a
/// secret's hash. Tokens change only through <see cref="TokenService"/> (create and revoke); each change drops
/// everything before its unit of work and again after it, reads during a change go to the database and are not
/// remembered, and a read that began before a change cannot be remembered after it (a generation). So a revoked
/// token is refused from the very next request, as without the cache. Unknown secrets are never remembered.
/// Only for a database no other process changes while this one serves (the embedded backend), like
/// <see cref="Packages.PackageFileCache"/>.
/// </summary>
internal sealed class TokenLookupCache
{
    private const int MaxTokens = 10_000;
    private readonly ConcurrentDictionary<string, TokenRecord> _activeBySecretHash = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _changing;
    private long _generation;
    private int _anyActive = -1; // -1 unknown, 0 no, 1 yes

    /// <summary>Whether any token is active, or null when not known.</summary>
    public bool? AnyActive
    {
        get
        {
            var known = Volatile.Read(ref _anyActive);
            return known < 0 ? null : known == 1;
        }
    }

    /// <summary>The generation to pass back with what is read from the database now, or null while a change runs.</summary>
    public long? BeginRead()
    {
        lock (_gate)
        {
            return _changing > 0 ? null : _generation;
        }
    }

    public TokenRecord? FindActive(string secretHash) => _activeBySecretHash.TryGetValue(secretHash, out var token) ? token : null;

    public void RememberAnyActive(bool anyActive, long generation)
    {
        lock (_gate)
        {
            if (_changing == 0 && _generation == generation)
            {
                _anyActive = anyActive ? 1 : 0;
            }
        }
    }

    public void RememberActive(string secretHash, TokenRecord token, long generation)
    {
        lock (_gate)
        {
            if (_changing == 0 && _generation == generation && token.IsActive)
            {
                if (_activeBySecretHash.Count >= MaxTokens)
                {
                    _activeBySecretHash.Clear();
                }

                _activeBySecretHash[secretHash] = token;
            }
        }
    }

    /// <summary>Before a unit of work that creates or revokes a token.</summary>
    public void BeginChange()
    {
        lock (_gate)
        {
            _changing++;
            ForgetAll();
        }
    }

    /// <summary>After that unit of work, committed or not.</summary>
    public void EndChange()
    {
        lock (_gate)
        {
            _changing--;
            ForgetAll();
        }
    }

    private void ForgetAll()
    {
        _generation++;
        _anyActive = -1;
        _activeBySecretHash.Clear();
    }
}
