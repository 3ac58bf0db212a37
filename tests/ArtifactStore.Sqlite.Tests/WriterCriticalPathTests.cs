using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>
/// What was moved off the one serialized writer must come out exactly as before: a payload its caller encoded before
/// queueing is logged, chained and projected as the writer's own encoding would be. And the writer's own accounting
/// (<see cref="Core.Storage.GroupCommitStats"/>) counts every unit and batch it ran.
/// </summary>
public sealed class WriterCriticalPathTests
{
    [Fact]
    public async Task a_payload_encoded_before_queueing_is_logged_chained_and_projected_as_the_writers_own_encoding()
    {
        await using var store = await TestStore.OpenAsync();
        var (early, plain) = (TestUnits.Created("encoded-early"), TestUnits.Created("encoded-by-writer"));
        var seqs = await store.Database.WriteAsync<long[]>(async (writer, ct) =>
        {
            var first = await writer.AppendAsync(new NewEvent(early.Stream, early.Type, early.Actor, EncodedPayload.Of(early.Payload)), ct);
            var second = await writer.AppendAsync(plain, ct);
            return new[] { first.Seq, second.Seq };
        }, CancellationToken.None);
        Assert.True(seqs.IsSuccess);

        var events = await store.Database.ReadEventsAsync(0, 10, CancellationToken.None).ToListAsync();
        Assert.Equal(seqs.Value, events.Select(e => e.Seq));
        Assert.Equal(Cbor.Encode(early.Payload), events[0].Payload);
        Assert.Equal(Cbor.Encode(plain.Payload), events[1].Payload);
        Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 10, CancellationToken.None), CancellationToken.None));
        Assert.Equal(["encoded-by-writer", "encoded-early"], await LiveNamesAsync(store));
        await using var snapshot = SqliteSnapshot.Open(store.Database.DatabasePath);
        Assert.Equal(0, (await snapshot.CompareViewsWithReplayAsync(20, CancellationToken.None)).DifferenceCount);
    }

    [Fact]
    public void an_event_given_a_new_payload_drops_the_encoding_of_the_old_one()
    {
        var (first, second) = (TestUnits.Created("first"), TestUnits.Created("second"));
        var encoded = new NewEvent(first.Stream, first.Type, first.Actor, EncodedPayload.Of(first.Payload));
        Assert.Equal(Cbor.Encode(first.Payload), encoded.PreEncoded);

        var changed = encoded with { Payload = second.Payload };

        Assert.Null(changed.PreEncoded);
        Assert.Equal(Cbor.Encode(second.Payload), changed.EncodePayload());
        Assert.NotEqual(encoded.EncodePayload(), changed.EncodePayload());
    }

    [Fact]
    public async Task a_package_created_through_the_service_logs_the_payload_it_prepared()
    {
        await using var store = await TestStore.OpenAsync();

        var created = await store.CreateAsync("svc", new Dictionary<string, string> { ["a.txt"] = "alpha" });

        Assert.True(created.IsSuccess);
        var logged = (await store.Database.ReadEventsAsync(0, 10, CancellationToken.None).ToListAsync()).Single(e => e.Type == EventTypes.PackageCreated);
        var payload = PackageCreated.FromCbor((CborMap)Cbor.Decode(logged.Payload));
        Assert.Equal(created.Value.Package.Id, payload.PackageId);
        Assert.Equal("svc", payload.Name);
        Assert.Equal(created.Value.Package.ManifestDigest, payload.ManifestDigest);
        Assert.Equal(Cbor.Encode(payload.ToCbor()), logged.Payload);
        // The answer, built after the commit, is what the views hold.
        var read = await store.Database.Views.GetPackageAsync(created.Value.Package.Id, CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(read.CreatedAt, created.Value.Package.CreatedAt);
        Assert.Equal(read.Files.Select(f => f.Sha256), created.Value.Package.Files.Select(f => f.Sha256));
    }

    [Fact]
    public async Task the_writer_accounts_for_every_unit_and_batch_and_splits_its_time()
    {
        await using var store = await TestStore.OpenAsync();
        var before = store.Database.WriterStats!;
        var held = await TestUnits.HoldWriterAsync(store);
        var queued = Enumerable.Range(0, 4).Select(i => store.Database.WriteAsync<bool>(async (writer, ct) =>
        {
            await writer.AppendAsync(TestUnits.Created("queued" + i), ct);
            return true;
        }, CancellationToken.None)).ToList();
        held.Release();
        Assert.True((await held.Blocker).IsSuccess);
        Assert.All(await Task.WhenAll(queued), r => Assert.True(r.IsSuccess));

        var stats = store.Database.WriterStats!.Since(before);

        // The blocker's batch, then one for the four units that queued behind it.
        Assert.Equal(2, stats.Batches);
        Assert.Equal(5, stats.Units);
        Assert.True(stats.UnitSeconds > 0 && stats.CommitSeconds > 0, $"units {stats.UnitSeconds}s, commit {stats.CommitSeconds}s");
        Assert.True(stats.BusySeconds >= stats.UnitSeconds + stats.FlushSeconds + stats.CommitSeconds, "the split is part of the batch's time");
        Assert.True(stats.AnsweredSeconds >= stats.QueuedSeconds, "a unit is answered after it starts");
        if (OperatingSystem.IsLinux())
        {
            Assert.True(stats.ThreadCpuSeconds > 0, "the writer's thread CPU time is read on Linux");
        }
    }

    private static async Task<List<string>> LiveNamesAsync(TestStore store)
    {
        var page = await store.Packages.ListAsync(new PackageQuery(null, [], PackageState.Live, null, 100), CancellationToken.None);
        return [.. page.Items.Select(p => p.Name).Order(StringComparer.Ordinal)];
    }
}
