using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>Idempotency keys on the backend: replays survive a restart, other content is refused, claims block and expire.</summary>
public abstract class IdempotencyContract(StoreBackendFixture fixture)
{
    private static readonly Dictionary<string, string> Content = new() { ["a.txt"] = "alpha" };

    [Fact]
    public async Task the_same_key_and_content_answers_the_same_package_even_after_a_restart()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var claim = (await store.Idempotency.ClaimAsync("alice", "key-1", PackageService.CreateOperation, CancellationToken.None)).Value;
            var first = await store.CreateAsync("p", Content, claim: claim);
            Assert.False(first.Value.Replayed);

            store = await store.ReopenAsync();
            var again = (await store.Idempotency.ClaimAsync("alice", "key-1", PackageService.CreateOperation, CancellationToken.None)).Value;
            Assert.True(again.IsReplay);
            var second = await store.CreateAsync("p", Content, claim: again);
            Assert.True(second.Value.Replayed);
            Assert.Equal(first.Value.Package.Id, second.Value.Package.Id);
            Assert.Equal(2, await store.Database.Views.GetHeadSeqAsync(CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_same_key_with_other_content_is_refused()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var claim = (await store.Idempotency.ClaimAsync("alice", "key-2", PackageService.CreateOperation, CancellationToken.None)).Value;
            Assert.True((await store.CreateAsync("p", Content, claim: claim)).IsSuccess);
            var again = (await store.Idempotency.ClaimAsync("alice", "key-2", PackageService.CreateOperation, CancellationToken.None)).Value;
            var other = await store.CreateAsync("p", new Dictionary<string, string> { ["a.txt"] = "different" }, claim: again);
            Assert.Equal(ErrorCodes.IdempotencyKeyReused, other.Error?.Code);
            Assert.Equal(0, await store.CountStagedAsync());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_key_in_progress_is_refused_until_released_and_keys_are_scoped_by_caller()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var claim = await store.Idempotency.ClaimAsync("alice", "key-3", PackageService.CreateOperation, CancellationToken.None);
            Assert.True(claim.IsSuccess);
            var second = await store.Idempotency.ClaimAsync("alice", "key-3", PackageService.CreateOperation, CancellationToken.None);
            Assert.Equal(ErrorCodes.IdempotencyRequestInProgress, second.Error?.Code);
            var otherCaller = await store.Idempotency.ClaimAsync("bob", "key-3", PackageService.CreateOperation, CancellationToken.None);
            Assert.True(otherCaller.IsSuccess);

            await store.Idempotency.ReleaseAsync(claim.Value, CancellationToken.None);
            Assert.True((await store.Idempotency.ClaimAsync("alice", "key-3", PackageService.CreateOperation, CancellationToken.None)).IsSuccess);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_claim_left_by_a_stopped_process_does_not_block_the_key_after_restart()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            Assert.True((await store.Idempotency.ClaimAsync("alice", "key-4", PackageService.CreateOperation, CancellationToken.None)).IsSuccess);
            store = await store.ReopenAsync();
            var claim = await store.Idempotency.ClaimAsync("alice", "key-4", PackageService.CreateOperation, CancellationToken.None);
            Assert.True(claim.IsSuccess);
            Assert.False(claim.Value.IsReplay);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_completed_key_expires_after_the_window()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var claim = (await store.Idempotency.ClaimAsync("alice", "key-5", PackageService.CreateOperation, CancellationToken.None)).Value;
            Assert.True((await store.CreateAsync("p", Content, claim: claim)).IsSuccess);
            store.Time.Advance(store.Options.IdempotencyWindow - TimeSpan.FromSeconds(1));
            Assert.True((await store.Idempotency.ClaimAsync("alice", "key-5", PackageService.CreateOperation, CancellationToken.None)).Value.IsReplay);
            store.Time.Advance(TimeSpan.FromSeconds(2));
            var later = await store.Idempotency.ClaimAsync("alice", "key-5", PackageService.CreateOperation, CancellationToken.None);
            Assert.False(later.Value.IsReplay);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }
}
