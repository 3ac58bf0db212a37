using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Security;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// Token lookups answered from memory (what the server does where it alone changes the database) answer exactly
/// as the database does, around every create and revoke: a revoked token is refused from the next lookup on.
/// </summary>
public abstract class TokenLookupContract(StoreBackendFixture fixture)
{
    [Fact]
    public async Task cached_lookups_follow_every_create_and_revoke_at_once()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var cached = new TokenService(store.Database, cacheLookups: true);
            var direct = new TokenService(store.Database);
            Assert.False(await cached.AnyActiveAsync(default));
            Assert.False(await cached.AnyActiveAsync(default));

            var (first, secret) = (await cached.CreateAsync("ci", Role.Writer, "op", default)).Value;
            Assert.True(await cached.AnyActiveAsync(default));
            Assert.Equal(first, await cached.AuthenticateAsync(secret, default));
            Assert.Equal(first, await cached.AuthenticateAsync(secret, default));
            Assert.Null(await cached.AuthenticateAsync(secret + "x", default));

            var (_, other) = (await cached.CreateAsync("nightly", Role.Reader, "op", default)).Value;
            Assert.Equal("nightly", (await cached.AuthenticateAsync(other, default))?.Name);
            Assert.Equal(first, await cached.AuthenticateAsync(secret, default));

            Assert.True((await cached.RevokeAsync("ci", "op", default)).IsSuccess);
            Assert.Null(await cached.AuthenticateAsync(secret, default));
            Assert.Null(await direct.AuthenticateAsync(secret, default));
            Assert.True(await cached.AnyActiveAsync(default));

            Assert.True((await cached.RevokeAsync("nightly", "op", default)).IsSuccess);
            Assert.Null(await cached.AuthenticateAsync(other, default));
            Assert.False(await cached.AnyActiveAsync(default));
            Assert.Equal(await direct.AnyActiveAsync(default), await cached.AnyActiveAsync(default));

            // A failed change (the name is taken) leaves the answers as they were.
            var (_, again) = (await cached.CreateAsync("ci", Role.Admin, "op", default)).Value;
            Assert.Equal(ErrorCodes.TokenNameTaken, (await cached.CreateAsync("ci", Role.Admin, "op", default)).Error?.Code);
            Assert.Equal(Role.Admin, (await cached.AuthenticateAsync(again, default))?.Role);
            Assert.True(await cached.AnyActiveAsync(default));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }
}
