using System.Security.Cryptography;
using System.Text;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>
/// Units of work that arrive together are committed together: one transaction, one savepoint per
/// unit, callers answered after the commit. A unit that fails is undone alone, and the event log
/// stays gapless and chained.
/// </summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task a_failing_unit_in_a_batch_is_undone_alone_and_leaves_no_gap_in_seq()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            // Hold the writer so that the next units queue up and run as one batch.
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var blocker = store.Database.WriteAsync<bool>(async (writer, ct) =>
            {
                holding.SetResult();
                await release.Task;
                await writer.AppendAsync(Created("blocker"), ct);
                return true;
            }, CancellationToken.None);
            await holding.Task;
            var batchesBefore = store.Database.CommittedBatches;

            var first = Append(store, "first", outcome: null);
            var refused = Append(store, "refused", outcome: StoreError.Validation("refused on purpose"));
            var throwing = Append(store, "throwing", outcome: new InvalidOperationException("thrown on purpose"));
            var last = Append(store, "last", outcome: null);
            Assert.False(first.IsCompleted, "no unit may be answered before its batch commits");
            release.SetResult();

            Assert.True((await blocker).IsSuccess);
            Assert.Equal(2L, (await first).Value);
            Assert.Equal("refused on purpose", (await refused).Error?.Message);
            Assert.Equal("thrown on purpose", (await Assert.ThrowsAsync<InvalidOperationException>(() => throwing)).Message);
            Assert.Equal(3L, (await last).Value);
            // The blocker's batch, then one batch for all four units.
            Assert.Equal(batchesBefore + 2, store.Database.CommittedBatches);

            var events = await store.Database.ReadEventsAsync(0, 100, CancellationToken.None).ToListAsync();
            Assert.Equal([1L, 2L, 3L], events.Select(e => e.Seq));
            Assert.Equal(["blocker", "first", "last"], await NamesAsync(store));
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None));

            // The in-memory head followed the kept units only: the next unit links to event 3.
            Assert.Equal(4L, (await Append(store, "after", outcome: null)).Value);
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task when_the_batch_cannot_commit_no_unit_of_it_succeeds_and_the_head_stays()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var blocker = store.Database.WriteAsync<long>(async (writer, ct) =>
            {
                holding.SetResult();
                await release.Task;
                return (await writer.AppendAsync(Created("blocker"), ct)).Seq;
            }, CancellationToken.None);
            await holding.Task;

            var before = Append(store, "before", outcome: null);
            // A pre-commit flush that fails (as a directory fsync can) stops the whole batch, like a failed COMMIT.
            var failing = store.Database.WriteAsync<long>(async (writer, ct) =>
            {
                var record = await writer.AppendAsync(Created("failing"), ct);
                writer.BeforeCommit(_ => throw new IOException("fsync failed"));
                return record.Seq;
            }, CancellationToken.None);
            var refused = Append(store, "refused", outcome: StoreError.Validation("refused on purpose"));
            var after = Append(store, "after", outcome: null);
            release.SetResult();

            Assert.Equal(1L, (await blocker).Value);
            Assert.Equal("fsync failed", (await Assert.ThrowsAsync<IOException>(() => before)).Message);
            Assert.Equal("fsync failed", (await Assert.ThrowsAsync<IOException>(() => failing)).Message);
            Assert.Equal("refused on purpose", (await refused).Error?.Message);
            Assert.Equal("fsync failed", (await Assert.ThrowsAsync<IOException>(() => after)).Message);
            Assert.Equal(["blocker"], await NamesAsync(store));

            // Nothing of the failed batch moved the head: the next unit follows the blocker.
            Assert.Equal(2L, (await Append(store, "next", outcome: null)).Value);
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_unit_that_fails_after_writing_leaves_none_of_its_rows_behind()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            var failed = await store.Database.WriteAsync<long>(async (writer, ct) =>
            {
                await writer.AppendAsync(Created("half"), ct);
                await writer.AppendAsync(Created("done"), ct);
                return StoreError.Validation("changed my mind");
            }, CancellationToken.None);
            Assert.False(failed.IsSuccess);
            Assert.Equal(1L, (await Append(store, "kept", outcome: null)).Value);
            Assert.Equal(["kept"], await NamesAsync(store));
            Assert.Equal(1, await store.Database.Views.GetHeadSeqAsync(CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task concurrent_uploads_share_commits_and_all_survive_a_restart_with_a_verified_chain()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            var uploads = Enumerable.Range(0, 48).Select(i => Task.Run(() =>
                store.CreateAsync($"concurrent/{i % 5}", new Dictionary<string, string> { [$"f{i}.txt"] = $"content {i}", ["shared.txt"] = "shared" }, labels: [$"i={i}"])));
            var created = await Task.WhenAll(uploads);
            Assert.All(created, c => Assert.True(c.IsSuccess, c.Error?.ToString()));

            store = await store.ReopenAsync();
            foreach (var package in created.Select(c => c.Value.Package))
            {
                var view = await store.Database.Views.GetPackageAsync(package.Id, CancellationToken.None);
                Assert.NotNull(view);
                Assert.All(view.Files, f => Assert.True(File.Exists(store.Blobs.PathOf(f.Sha256)), $"{f.Path} has no bytes"));
            }

            var events = await store.Database.ReadEventsAsync(0, 1000, CancellationToken.None).ToListAsync();
            Assert.Equal(Enumerable.Range(1, 2 * created.Length).Select(i => (long)i), events.Select(e => e.Seq));
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 1000, CancellationToken.None), CancellationToken.None));
            Assert.Equal(created.Length, (await store.Database.Views.GetBlobAsync(created[0].Value.Package.Files.Single(f => f.Path == "shared.txt").Sha256, CancellationToken.None))!.RefCount);

            var live = store.Database.DumpViews();
            await store.Database.RebuildViewsAsync(CancellationToken.None);
            Assert.Equal(live, store.Database.DumpViews());
            Assert.Equal(0, store.TempEntryCount());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task concurrent_units_with_random_failures_keep_the_chain_gapless_and_the_views_rebuildable()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            var units = Enumerable.Range(0, 60).Select(i => Task.Run(() => Append(store, $"unit/{i}",
                (i % 3) switch
                {
                    0 => StoreError.Validation("refused"),
                    1 when i % 4 == 1 => new InvalidOperationException("thrown"),
                    _ => null,
                }))).ToArray();
            try
            {
                await Task.WhenAll(units);
            }
            catch (InvalidOperationException)
            {
                // The throwing units; checked one by one below.
            }

            var kept = units.Where(u => u.IsCompletedSuccessfully && u.Result.IsSuccess).Select(u => u.Result.Value).Order().ToList();
            Assert.Equal(Enumerable.Range(1, kept.Count).Select(i => (long)i), kept);
            Assert.Equal(kept.Count, (await NamesAsync(store)).Count);
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 1000, CancellationToken.None), CancellationToken.None));

            var live = store.Database.DumpViews();
            await store.Database.RebuildViewsAsync(CancellationToken.None);
            Assert.Equal(live, store.Database.DumpViews());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task units_queued_when_the_database_closes_still_commit()
    {
        var store = await TestStore.OpenAsync();
        var units = Enumerable.Range(0, 10).Select(i => Append(store, $"closing/{i}", outcome: null)).ToArray();
        store = await store.ReopenAsync();
        try
        {
            Assert.All(units, u => Assert.True(u.IsCompletedSuccessfully && u.Result.IsSuccess));
            Assert.Equal(10, (await NamesAsync(store)).Count);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>A unit that appends one package-created event, then succeeds, returns <paramref name="outcome"/> as an error, or throws it.</summary>
    private static Task<Result<long>> Append(TestStore store, string name, object? outcome) =>
        store.Database.WriteAsync<long>(async (writer, ct) =>
        {
            var record = await writer.AppendAsync(Created(name), ct);
            return outcome switch
            {
                StoreError error => error,
                Exception exception => throw exception,
                _ => record.Seq,
            };
        }, CancellationToken.None);

    private static NewEvent Created(string name)
    {
        var id = Guid.NewGuid();
        var digest = BlobDigest.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var file = new PackageFile("f.txt", 1, digest, new string('0', 64), "text/plain");
        var created = new PackageCreated(id, name, [], digest, 1, new string('0', 64), [file]);
        return new NewEvent(EventTypes.PackageStream(id), EventTypes.PackageCreated, "tester", created.ToCbor());
    }

    /// <summary>The names of the live packages, in the order of their events.</summary>
    private static async Task<List<string>> NamesAsync(TestStore store)
    {
        var page = await store.Packages.ListAsync(new PackageQuery(null, [], PackageState.Live, null, 1000), CancellationToken.None);
        var live = page.Items.Select(p => p.Name).ToHashSet();
        var names = await store.Database.ReadEventsAsync(0, 1000, CancellationToken.None)
            .Select(e => PackageCreated.FromCbor((CborMap)Cbor.Decode(e.Payload)).Name)
            .ToListAsync();
        Assert.Equal(live.Order(), names.Order());
        return names;
    }
}
