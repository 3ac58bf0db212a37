using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>
/// Units of work that arrive together are committed together: one transaction, one savepoint per
/// unit, callers answered after the commit. A unit that fails is undone alone, a failed commit fails
/// the whole group, and the event log stays gapless and chained. What every backend must do with
/// units of work is in the conformance suite; this is how SQLite groups them.
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
            var held = await TestUnits.HoldWriterAsync(store);
            var batchesBefore = store.Database.CommittedBatches;

            var first = Append(store, "first", outcome: null);
            var refused = Append(store, "refused", outcome: StoreError.Validation("refused on purpose"));
            var throwing = Append(store, "throwing", outcome: new InvalidOperationException("thrown on purpose"));
            var last = Append(store, "last", outcome: null);
            Assert.False(first.IsCompleted, "no unit may be answered before its batch commits");
            held.Release();

            Assert.True((await held.Blocker).IsSuccess);
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
            var held = await TestUnits.HoldWriterAsync(store);

            var before = Append(store, "before", outcome: null);
            // A pre-commit flush that fails (as a directory fsync can) stops the whole batch, like a failed COMMIT.
            var failing = store.Database.WriteAsync<long>(async (writer, ct) =>
            {
                var record = await writer.AppendAsync(TestUnits.Created("failing"), ct);
                writer.BeforeCommit(_ => throw new IOException("fsync failed"));
                return record.Seq;
            }, CancellationToken.None);
            var refused = Append(store, "refused", outcome: StoreError.Validation("refused on purpose"));
            var after = Append(store, "after", outcome: null);
            held.Release();

            Assert.Equal(1L, (await held.Blocker).Value);
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

    /// <summary>A unit that appends one package-created event, then succeeds, returns <paramref name="outcome"/> as an error, or throws it.</summary>
    private static Task<Result<long>> Append(TestStore store, string name, object? outcome) =>
        store.Database.WriteAsync<long>(async (writer, ct) =>
        {
            var record = await writer.AppendAsync(TestUnits.Created(name), ct);
            return outcome switch
            {
                StoreError error => error,
                Exception exception => throw exception,
                _ => record.Seq,
            };
        }, CancellationToken.None);

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
