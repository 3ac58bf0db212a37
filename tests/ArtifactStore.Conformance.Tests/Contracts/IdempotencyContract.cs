using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// Idempotency keys on the backend: replays survive a restart, other content is refused, claims block and expire,
/// and GC purges completed records once their window and the margin have passed, never a claim in progress.
/// </summary>
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

    [Fact]
    public async Task gc_purges_completed_records_past_the_window_and_margin_in_batches_and_keeps_what_a_replay_or_a_request_needs()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var window = store.Options.IdempotencyWindow;
            var margin = IdempotencyGate.PurgeMargin;
            // Old completed records, enough for two full batches and a short one.
            var old = (2 * GarbageCollector.IdempotencyPurgeBatch) + 1;
            var start = store.Time.GetUtcNow();
            await PutAsync(store, Enumerable.Range(0, old).Select(i => Completed($"old-{i}", start, start + window)));
            // A claim whose request is still running long past its window: in progress, never purged.
            await PutAsync(store, [new IdempotencyRecord("alice", "slow", PackageService.CreateOperation, IdempotencyState.InProgress, null, "token", start, start + window)]);

            store.Time.Advance(window + margin + TimeSpan.FromMinutes(1));
            var now = store.Time.GetUtcNow();
            // Expired, but by less than the margin: kept for replicas whose clocks run behind.
            await PutAsync(store, [Completed("recent", now - window - TimeSpan.FromMinutes(30), now - TimeSpan.FromMinutes(30))]);
            // Completed now: a replay within the window needs it.
            var claim = (await store.Idempotency.ClaimAsync("alice", "fresh", PackageService.CreateOperation, CancellationToken.None)).Value;
            Assert.True((await store.CreateAsync("p", Content, claim: claim)).IsSuccess);
            // Claimed now, request in progress.
            Assert.True((await store.Idempotency.ClaimAsync("alice", "running", PackageService.CreateOperation, CancellationToken.None)).IsSuccess);

            using var collector = store.Collector(TimeSpan.FromHours(1));
            var plan = (await collector.RunAsync(dryRun: true, "gc", CancellationToken.None)).Value;
            Assert.Equal(old, plan.IdempotencyRecordsPurged);
            Assert.True(await ExistsAsync(store, "alice", "old-0"));

            var report = (await collector.RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.Equal(old, report.IdempotencyRecordsPurged);
            Assert.False(await ExistsAsync(store, "alice", "old-0"));
            Assert.False(await ExistsAsync(store, "alice", $"old-{old - 1}"));
            Assert.Equal<string>(["alice/fresh", "alice/recent"], (await store.Database.Views.ListCompletedIdempotencyAsync(CancellationToken.None)).Select(r => $"{r.Scope}/{r.Key}"));
            Assert.True(await ExistsAsync(store, "alice", "slow"));
            Assert.True((await store.Idempotency.ClaimAsync("alice", "fresh", PackageService.CreateOperation, CancellationToken.None)).Value.IsReplay);
            Assert.Equal(ErrorCodes.IdempotencyRequestInProgress,
                (await store.Idempotency.ClaimAsync("alice", "running", PackageService.CreateOperation, CancellationToken.None)).Error?.Code);

            // Once the margin has passed for the recent one it goes too; nothing else does.
            store.Time.Advance(TimeSpan.FromMinutes(31));
            Assert.Equal(1, (await collector.RunAsync(dryRun: false, "gc", CancellationToken.None)).Value.IdempotencyRecordsPurged);
            Assert.False(await ExistsAsync(store, "alice", "recent"));
            Assert.True(await ExistsAsync(store, "alice", "fresh"));
            Assert.True(await ExistsAsync(store, "alice", "slow"));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private static IdempotencyRecord Completed(string key, DateTimeOffset createdAt, DateTimeOffset expiresAt) =>
        new("alice", key, PackageService.CreateOperation, IdempotencyState.Completed, "fingerprint", Guid.NewGuid().ToString(), createdAt, expiresAt);

    private static async Task PutAsync(TestStore store, IEnumerable<IdempotencyRecord> records) =>
        Assert.True((await store.Database.WriteAsync<bool>(async (writer, ct) =>
        {
            foreach (var record in records)
            {
                await writer.PutIdempotencyAsync(record, ct);
            }

            return true;
        }, CancellationToken.None)).IsSuccess);

    private static async Task<bool> ExistsAsync(TestStore store, string scope, string key) =>
        (await store.Database.WriteAsync<bool>(async (writer, ct) => await writer.GetIdempotencyAsync(scope, key, ct) is not null, CancellationToken.None)).Value;
}
