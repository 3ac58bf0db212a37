using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>Retention on the backend: later-only extensions, holds, pins, the sweeper's transitions both ways, tombstones.</summary>
public abstract class RetentionContract(StoreBackendFixture fixture)
{
    private static readonly Dictionary<string, string> Files = new() { ["f.txt"] = "retained" };

    [Fact]
    public async Task extensions_must_be_later_carry_a_reason_and_do_not_apply_to_classes_that_never_expire()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var package = (await store.CreateAsync("p", Files, retentionClass: "short")).Value.Package;
            var expiry = package.Retention.ExpiresAt!.Value;

            Assert.Equal(ErrorCodes.ExtensionNotLater, (await store.Retention.ExtendAsync(package.Id, expiry, "same", "op", default)).Error?.Code);
            Assert.Equal(ErrorCodes.ExtensionNotLater, (await store.Retention.ExtendAsync(package.Id, expiry.AddDays(-1), "earlier", "op", default)).Error?.Code);
            Assert.Equal(ErrorCodes.ReasonRequired, (await store.Retention.ExtendAsync(package.Id, expiry.AddDays(1), " ", "op", default)).Error?.Code);
            var extended = await store.Retention.ExtendAsync(package.Id, expiry.AddDays(1), "audit", "op", default);
            Assert.Equal(expiry.AddDays(1), extended.Value.Retention.ExpiresAt);

            var permanent = (await store.CreateAsync("forever", Files, retentionClass: "permanent-record")).Value.Package;
            Assert.Null(permanent.Retention.ExpiresAt);
            Assert.Equal(ErrorCodes.NotExpiring, (await store.Retention.ExtendAsync(permanent.Id, expiry.AddYears(5), "why", "op", default)).Error?.Code);
            Assert.Equal(ErrorCodes.PackageNotFound, (await store.Retention.ExtendAsync(Guid.CreateVersion7(), expiry, "x", "op", default)).Error?.Code);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task holds_are_released_once_and_unknown_holds_are_named()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var package = (await store.CreateAsync("p", Files)).Value.Package;
            var (_, hold) = (await store.Retention.ApplyHoldAsync(package.Id, "litigation", "counsel", default)).Value;
            Assert.Equal("counsel", hold.Actor);
            Assert.Equal(ErrorCodes.HoldNotFound, (await store.Retention.ReleaseHoldAsync(package.Id, "nope", "x", "counsel", default)).Error?.Code);
            Assert.Equal(ErrorCodes.ReasonRequired, (await store.Retention.ReleaseHoldAsync(package.Id, hold.HoldId, "", "counsel", default)).Error?.Code);
            var released = await store.Retention.ReleaseHoldAsync(package.Id, hold.HoldId, "settled", "counsel", default);
            Assert.False(Assert.Single(released.Value.Retention.Holds).IsActive);
            Assert.Equal(ErrorCodes.HoldAlreadyReleased, (await store.Retention.ReleaseHoldAsync(package.Id, hold.HoldId, "again", "counsel", default)).Error?.Code);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_sweeper_records_each_transition_once_and_a_hold_records_the_way_back()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var ids = new List<Guid>();
            for (var i = 0; i < 5; i++)
            {
                store.Time.Advance(TimeSpan.FromSeconds(1));
                ids.Add((await store.CreateAsync($"p{i}", new Dictionary<string, string> { ["f"] = $"{i}" }, retentionClass: "short")).Value.Package.Id);
            }

            await store.Retention.SetPinnedAsync(ids[1], pinned: true, "keep", "op", default);
            await store.Retention.ApplyHoldAsync(ids[2], "legal", "op", default);
            store.Time.Advance(TimeSpan.FromMinutes(5));

            var dry = (await store.Sweeper.RunAsync(null, dryRun: true, "sweeper", default)).Value;
            var headBefore = await store.Database.Views.GetHeadSeqAsync(default);
            var first = (await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).Value;
            Assert.Equal(new[] { ids[0], ids[3], ids[4] }, first.Eligible.Select(e => e.PackageId));
            Assert.Equal(dry.Eligible, first.Eligible);
            Assert.Equal(headBefore + 3, await store.Database.Views.GetHeadSeqAsync(default));

            var second = (await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).Value;
            Assert.Empty(second.Eligible);

            var held = await store.Retention.ApplyHoldAsync(ids[0], "new evidence", "op", default);
            Assert.False(held.Value.Package.Retention.EligibleForDeletion);
            var history = (await store.Retention.HistoryAsync(ids[0], default)).Value.Select(e => e.Type).ToList();
            Assert.Equal(
                [EventTypes.PackageCreated, EventTypes.RetentionDefaultApplied, EventTypes.DeletionEligible, EventTypes.HoldApplied, EventTypes.DeletionIneligible],
                history);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task releasing_the_last_hold_of_an_expired_package_makes_it_eligible_in_the_same_unit_of_work()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var package = (await store.CreateAsync("p", Files, retentionClass: "short")).Value.Package;
            var (_, first) = (await store.Retention.ApplyHoldAsync(package.Id, "legal", "op", default)).Value;
            var (_, second) = (await store.Retention.ApplyHoldAsync(package.Id, "audit", "op", default)).Value;
            store.Time.Advance(TimeSpan.FromMinutes(5));

            var oneLeft = await store.Retention.ReleaseHoldAsync(package.Id, first.HoldId, "settled", "op", default);
            Assert.False(oneLeft.Value.Retention.EligibleForDeletion);

            var headBefore = await store.Database.Views.GetHeadSeqAsync(default);
            var released = await store.Retention.ReleaseHoldAsync(package.Id, second.HoldId, "done", "op", default);
            Assert.True(released.Value.Retention.EligibleForDeletion);
            Assert.Equal(headBefore + 2, await store.Database.Views.GetHeadSeqAsync(default));
            var history = (await store.Retention.HistoryAsync(package.Id, default)).Value;
            Assert.Equal([EventTypes.HoldReleased, EventTypes.DeletionEligible], history.TakeLast(2).Select(e => e.Type));
            Assert.Equal(history[^2].OccurredAt, history[^1].OccurredAt);
            Assert.Empty((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).Value.Eligible);

            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task unpinning_an_expired_package_makes_it_eligible_at_once_and_pinning_it_again_reverses_that()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var package = (await store.CreateAsync("p", Files, retentionClass: "short")).Value.Package;
            await store.Retention.SetPinnedAsync(package.Id, pinned: true, "keep", "op", default);
            store.Time.Advance(TimeSpan.FromMinutes(5));

            var unpinned = await store.Retention.SetPinnedAsync(package.Id, pinned: false, "let go", "op", default);
            Assert.True(unpinned.Value.Retention.EligibleForDeletion);
            var pinned = await store.Retention.SetPinnedAsync(package.Id, pinned: true, "keep after all", "op", default);
            Assert.False(pinned.Value.Retention.EligibleForDeletion);
            var history = (await store.Retention.HistoryAsync(package.Id, default)).Value.Select(e => e.Type).TakeLast(4);
            Assert.Equal([EventTypes.Unpinned, EventTypes.DeletionEligible, EventTypes.Pinned, EventTypes.DeletionIneligible], history);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task releasing_a_hold_before_expiry_records_no_eligibility()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var package = (await store.CreateAsync("p", Files, retentionClass: "short")).Value.Package;
            var (_, hold) = (await store.Retention.ApplyHoldAsync(package.Id, "legal", "op", default)).Value;
            var released = await store.Retention.ReleaseHoldAsync(package.Id, hold.HoldId, "settled", "op", default);
            Assert.False(released.Value.Retention.EligibleForDeletion);
            Assert.Equal(EventTypes.HoldReleased, (await store.Retention.HistoryAsync(package.Id, default)).Value[^1].Type);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task gc_leaves_tombstones_views_replay_identically_and_old_tombstones_are_purged()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var doomed = (await store.CreateAsync("doomed", new Dictionary<string, string> { ["a"] = "unique", ["b"] = "shared" }, retentionClass: "short")).Value.Package;
            var kept = (await store.CreateAsync("kept", new Dictionary<string, string> { ["b"] = "shared" })).Value.Package;
            store.Time.Advance(TimeSpan.FromMinutes(5));
            await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default);

            var report = (await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", default)).Value;
            Assert.Equal(doomed.Id, Assert.Single(report.PackagesDeleted).PackageId);
            Assert.Equal(2, report.BlobsReaped.Count); // the unique file and the manifest; "shared" stays
            Assert.Equal("unique".Length + doomed.ManifestSize, report.BytesFreed);

            var gone = await store.Packages.GetAsync(doomed.Id, default);
            Assert.Equal(ErrorCodes.PackageExpired, gone.Error?.Code);
            Assert.True((await store.Packages.GetAsync(kept.Id, default)).IsSuccess);
            Assert.Equal(ErrorCodes.PackageExpired, (await store.Retention.SetPinnedAsync(doomed.Id, pinned: true, "too late", "op", default)).Error?.Code);
            Assert.Equal(EventTypes.PackageDeleted, (await store.Retention.HistoryAsync(doomed.Id, default)).Value[^1].Type);

            var live = await store.AssertViewsMatchReplayAsync();
            Assert.Contains("doomed", live, StringComparison.Ordinal);

            store.Time.Advance(store.Options.Gc.TombstoneRetention + TimeSpan.FromDays(1));
            var later = (await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", default)).Value;
            Assert.Equal(doomed.Id, Assert.Single(later.TombstonesPurged));
            Assert.Equal(ErrorCodes.PackageNotFound, (await store.Packages.GetAsync(doomed.Id, default)).Error?.Code);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_package_whose_files_downloads_cached_answers_expired_after_gc_and_not_found_after_purge_never_its_old_files()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var doomed = (await store.CreateAsync("doomed", new Dictionary<string, string> { ["a"] = "unique", ["b"] = "shared" }, retentionClass: "short")).Value.Package;
            var kept = (await store.CreateAsync("kept", new Dictionary<string, string> { ["b"] = "shared" })).Value.Package;
            var before = await store.Packages.FindFileAsync(doomed.Id, "a", default);
            Assert.Equal(doomed.Files.Single(f => f.Path == "a"), before.Value);
            Assert.NotNull(store.FileLookups.Find(doomed.Id));
            Assert.Equal(ErrorCodes.FileNotFound, (await store.Packages.FindFileAsync(doomed.Id, "nope", default)).Error?.Code);

            // Eligible is still live: the sweep changes nothing a download sees.
            store.Time.Advance(TimeSpan.FromMinutes(5));
            await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default);
            Assert.True((await store.Packages.FindFileAsync(doomed.Id, "a", default)).IsSuccess);

            Assert.Equal(doomed.Id, Assert.Single((await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", default)).Value.PackagesDeleted).PackageId);
            Assert.Null(store.FileLookups.Find(doomed.Id));
            var expired = await store.Packages.FindFileAsync(doomed.Id, "a", default);
            Assert.Equal(ErrorCodes.PackageExpired, expired.Error?.Code);
            Assert.Equal((await store.Packages.GetAsync(doomed.Id, default)).Error?.Message, expired.Error?.Message);
            Assert.Equal(ErrorCodes.PackageExpired, (await store.Packages.FindFileAsync(doomed.Id, "a", default)).Error?.Code); // not cached either
            Assert.Equal("b", (await store.Packages.FindFileAsync(kept.Id, "b", default)).Value.Path);

            store.Time.Advance(store.Options.Gc.TombstoneRetention + TimeSpan.FromDays(1));
            Assert.Equal(doomed.Id, Assert.Single((await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", default)).Value.TombstonesPurged));
            Assert.Equal(ErrorCodes.PackageNotFound, (await store.Packages.FindFileAsync(doomed.Id, "a", default)).Error?.Code);
            Assert.Equal(ErrorCodes.PackageNotFound, (await store.Packages.FindFileAsync(Guid.NewGuid(), "a", default)).Error?.Code);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_pinned_package_is_not_swept_until_unpinned_and_pinning_needs_a_reason()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var package = (await store.CreateAsync("p", Files, retentionClass: "short")).Value.Package;
            Assert.Equal(ErrorCodes.ReasonRequired, (await store.Retention.SetPinnedAsync(package.Id, pinned: true, " ", "op", default)).Error?.Code);
            var pinned = await store.Retention.SetPinnedAsync(package.Id, pinned: true, "keep", "op", default);
            Assert.True(pinned.Value.Retention.Pinned);
            store.Time.Advance(TimeSpan.FromMinutes(5));
            Assert.Empty((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).Value.Eligible);

            // Unpinning an expired package makes it eligible in the same unit of work; the sweep has nothing left to do.
            var unpinned = await store.Retention.SetPinnedAsync(package.Id, pinned: false, "done", "op", default);
            Assert.False(unpinned.Value.Retention.Pinned);
            Assert.True(unpinned.Value.Retention.EligibleForDeletion);
            Assert.Empty((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).Value.Eligible);
            Assert.True((await store.Packages.GetAsync(package.Id, default)).Value.Retention.EligibleForDeletion);

            // Pinning an eligible package takes it back, and the way back is recorded.
            await store.Retention.SetPinnedAsync(package.Id, pinned: true, "keep after all", "op", default);
            Assert.False((await store.Packages.GetAsync(package.Id, default)).Value.Retention.EligibleForDeletion);
            var history = (await store.Retention.HistoryAsync(package.Id, default)).Value.Select(e => e.Type).ToList();
            Assert.Equal(EventTypes.DeletionIneligible, history[^1]);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_package_is_not_swept_before_its_expiry_on_the_clock()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var package = (await store.CreateAsync("p", Files, retentionClass: "short")).Value.Package;
            store.Time.Advance(TimeSpan.FromSeconds(59));
            Assert.Empty((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).Value.Eligible);
            store.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(package.Id, Assert.Single((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default)).Value.Eligible).PackageId);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }
}
