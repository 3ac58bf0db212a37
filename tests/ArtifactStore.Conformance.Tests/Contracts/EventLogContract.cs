using System.Security.Cryptography;
using System.Text;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// The database port's units of work and event log: positions are gapless whatever fails, every event
/// links into the hash chain, a failed unit leaves nothing, the views equal a replay of the log, and
/// a restart keeps everything committed.
/// </summary>
public abstract class EventLogContract(StoreBackendFixture fixture)
{
    [Fact]
    public async Task a_failing_unit_among_queued_units_is_undone_alone_and_leaves_no_gap_in_seq()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            // Hold the writer so that the next units queue up behind it.
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

            var first = Append(store, "first", outcome: null);
            var refused = Append(store, "refused", outcome: StoreError.Validation("refused on purpose"));
            var throwing = Append(store, "throwing", outcome: new InvalidOperationException("thrown on purpose"));
            var last = Append(store, "last", outcome: null);
            Assert.False(first.IsCompleted, "units of work are serialized: none may finish while another holds the writer");
            release.SetResult();

            Assert.True((await blocker).IsSuccess);
            Assert.Equal(2L, (await first).Value);
            Assert.Equal("refused on purpose", (await refused).Error?.Message);
            Assert.Equal("thrown on purpose", (await Assert.ThrowsAsync<InvalidOperationException>(() => throwing)).Message);
            Assert.Equal(3L, (await last).Value);

            var events = await store.Database.ReadEventsAsync(0, 100, CancellationToken.None).ToListAsync();
            Assert.Equal([1L, 2L, 3L], events.Select(e => e.Seq));
            Assert.Equal(["blocker", "first", "last"], await NamesAsync(store));
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None));

            // The head followed the kept units only: the next unit links to event 3.
            Assert.Equal(4L, (await Append(store, "after", outcome: null)).Value);
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task when_a_flush_before_commit_fails_its_unit_fails_every_answer_matches_what_is_visible_and_later_writes_work()
    {
        var store = await TestStore.OpenAsync(fixture);
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

            // Queued together, so a backend that commits units in groups commits these in one.
            var before = Append(store, "before", outcome: null);
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
            Assert.Equal("fsync failed", (await Assert.ThrowsAsync<IOException>(() => failing)).Message);
            Assert.Equal("refused on purpose", (await refused).Error?.Message);

            // A unit answered with success is visible; one that failed (with the group, or alone) is not.
            var names = await NamesAsync(store);
            Assert.DoesNotContain("failing", names);
            Assert.DoesNotContain("refused", names);
            foreach (var (name, unit) in new[] { ("before", before), ("after", after) })
            {
                Assert.Equal(await SucceededAsync(unit), names.Contains(name));
            }

            var head = await store.Database.Views.GetHeadSeqAsync(CancellationToken.None);
            Assert.Equal(names.Count, head);
            Assert.Equal(head + 1, (await Append(store, "next", outcome: null)).Value);
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_unit_that_fails_after_writing_leaves_none_of_its_rows_behind()
    {
        var store = await TestStore.OpenAsync(fixture);
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
    public async Task a_unit_that_throws_after_writing_leaves_none_of_its_rows_or_records_behind()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var id = Guid.NewGuid();
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.Database.WriteAsync<long>(async (writer, ct) =>
            {
                var created = Created("thrown", id);
                await writer.AppendAsync(created, ct);
                await writer.PutIdempotencyAsync(new Core.Idempotency.IdempotencyRecord(
                    "alice", "key", "package.create", Core.Idempotency.IdempotencyState.InProgress, null, null, writer.Now, writer.Now.AddHours(1)), ct);
                Assert.NotNull(await writer.GetPackageAsync(id, ct));
                throw new InvalidOperationException("thrown on purpose");
            }, CancellationToken.None));

            Assert.Null(await store.Database.Views.GetPackageAsync(id, CancellationToken.None));
            Assert.Equal(0, await store.Database.Views.GetHeadSeqAsync(CancellationToken.None));
            Assert.Empty(await store.Database.ReadEventsAsync(0, 100, CancellationToken.None).ToListAsync());
            var record = await store.Database.WriteAsync<bool>(async (writer, ct) =>
                await writer.GetIdempotencyAsync("alice", "key", ct) is null, CancellationToken.None);
            Assert.True(record.Value, "the idempotency record of the thrown unit must not have been kept");
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task concurrent_uploads_all_survive_a_restart_with_a_gapless_verified_chain()
    {
        var store = await TestStore.OpenAsync(fixture);
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
                foreach (var file in view.Files)
                {
                    Assert.True(await store.Blobs.StatAsync(file.Sha256, CancellationToken.None) is not null, $"{file.Path} has no bytes");
                }
            }

            var events = await store.Database.ReadEventsAsync(0, 1000, CancellationToken.None).ToListAsync();
            Assert.Equal(Enumerable.Range(1, 2 * created.Length).Select(i => (long)i), events.Select(e => e.Seq));
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 1000, CancellationToken.None), CancellationToken.None));
            Assert.Equal(created.Length, (await store.Database.Views.GetBlobAsync(created[0].Value.Package.Files.Single(f => f.Path == "shared.txt").Sha256, CancellationToken.None))!.RefCount);

            await store.AssertViewsMatchReplayAsync();
            Assert.Equal(0, await store.CountStagedAsync());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task concurrent_units_with_random_failures_keep_the_chain_gapless_and_the_views_rebuildable()
    {
        var store = await TestStore.OpenAsync(fixture);
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
            Assert.Equal(Enumerable.Range(0, 60).Count(i => i % 3 != 0 && !(i % 3 == 1 && i % 4 == 1)), kept.Count);
            Assert.Equal(kept.Count, (await NamesAsync(store)).Count);
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 1000, CancellationToken.None), CancellationToken.None));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task units_queued_when_the_database_closes_still_commit()
    {
        var store = await TestStore.OpenAsync(fixture);
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

    [Fact]
    public async Task views_rebuilt_from_the_events_equal_the_live_views()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            for (var i = 0; i < 12; i++)
            {
                store.Time.Advance(TimeSpan.FromMinutes(3));
                var files = new Dictionary<string, string> { ["shared.txt"] = "shared", [$"own/{i}.txt"] = $"own {i}" };
                var created = await store.CreateAsync($"pkg/{i % 4}", files,
                    retentionClass: i % 3 == 0 ? "permanent-record" : null, labels: [$"n={i}", "kind=test"]);
                Assert.True(created.IsSuccess);
            }

            var live = await store.AssertViewsMatchReplayAsync();
            Assert.Contains("shared", live, StringComparison.Ordinal);
            Assert.Contains("pkg/3", live, StringComparison.Ordinal);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task events_copied_into_an_empty_store_keep_seq_and_hashes_give_the_same_views_and_one_that_does_not_continue_the_log_is_refused()
    {
        var source = await TestStore.OpenAsync(fixture);
        var target = await TestStore.OpenAsync(fixture);
        try
        {
            for (var i = 0; i < 5; i++)
            {
                source.Time.Advance(TimeSpan.FromMinutes(7));
                Assert.True((await source.CreateAsync($"copy/{i}", new Dictionary<string, string> { ["shared.txt"] = "shared", [$"own/{i}.txt"] = $"own {i}" }, labels: [$"n={i}"])).IsSuccess);
            }

            var events = await source.Database.ReadEventsAsync(0, 100, CancellationToken.None).ToListAsync();

            // Two units, as copy-store appends batches: the second continues from the first's head.
            foreach (var batch in new[] { events[..4], events[4..] })
            {
                Assert.True((await target.Database.WriteAsync<bool>(async (writer, ct) =>
                {
                    foreach (var record in batch)
                    {
                        await writer.AppendCopiedAsync(record, ct);
                    }

                    return true;
                }, CancellationToken.None)).IsSuccess);
            }

            var copied = await target.Database.ReadEventsAsync(0, 100, CancellationToken.None).ToListAsync();
            Assert.Equal(events.Select(e => (e.Seq, Convert.ToHexString(e.Hash), Convert.ToHexString(e.PrevHash), e.OccurredAt)),
                copied.Select(e => (e.Seq, Convert.ToHexString(e.Hash), Convert.ToHexString(e.PrevHash), e.OccurredAt)));
            Assert.Equal(await source.ReadViewsAsync(), await target.ReadViewsAsync());
            await target.AssertViewsMatchReplayAsync();

            // Every blob row, a page at a time, in digest order, whatever the page size.
            var rows = new List<Core.Storage.BlobRow>();
            BlobDigest? after = null;
            while (await target.Database.Views.ListBlobsAsync(after, 2, CancellationToken.None) is { Count: > 0 } page)
            {
                Assert.True(page.Count <= 2);
                rows.AddRange(page);
                after = page[^1].Digest;
            }

            Assert.Equal(11, rows.Count); // shared.txt, five own files, five manifests
            Assert.Equal(rows.Select(r => r.Digest.Hex).Order(StringComparer.Ordinal), rows.Select(r => r.Digest.Hex));
            foreach (var row in rows)
            {
                Assert.Equal(await source.Database.Views.GetBlobAsync(row.Digest, CancellationToken.None), row);
            }

            // An event that does not continue the target's log (a repeat, a gap, a forged hash) appends nothing.
            var last = events[^1];
            var forged = last with { Seq = last.Seq + 1, PrevHash = last.Hash, Payload = [.. last.Payload, 0] };
            foreach (var wrong in new[] { last, last with { Seq = last.Seq + 2 }, forged })
            {
                await Assert.ThrowsAsync<InvalidDataException>(() => target.Database.WriteAsync<bool>(async (writer, ct) =>
                {
                    await writer.AppendCopiedAsync(wrong, ct);
                    return true;
                }, CancellationToken.None));
            }

            Assert.Equal(last.Seq, await target.Database.Views.GetHeadSeqAsync(CancellationToken.None));
        }
        finally
        {
            await source.DisposeAsync();
            await target.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_stream_reads_back_its_own_events_in_log_order()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var a = (await store.CreateAsync("a", new Dictionary<string, string> { ["f"] = "a" })).Value.Package.Id;
            var b = (await store.CreateAsync("b", new Dictionary<string, string> { ["f"] = "b" })).Value.Package.Id;
            await store.Retention.ApplyHoldAsync(a, "why", "tester", CancellationToken.None);

            var stream = await store.Database.ReadStreamAsync(EventTypes.PackageStream(a), CancellationToken.None).ToListAsync();
            Assert.Equal([1L, 2L, 5L], stream.Select(e => e.Seq));
            Assert.Equal([EventTypes.PackageCreated, EventTypes.RetentionDefaultApplied, EventTypes.HoldApplied], stream.Select(e => e.Type));
            Assert.All(await store.Database.ReadStreamAsync(EventTypes.PackageStream(b), CancellationToken.None).ToListAsync(),
                e => Assert.Equal(EventTypes.PackageStream(b), e.Stream));
            Assert.Equal([3L, 4L], await store.Database.ReadEventsAsync(2, 2, CancellationToken.None).Select(e => e.Seq).ToListAsync());
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

    internal static NewEvent Created(string name, Guid? packageId = null)
    {
        var id = packageId ?? Guid.NewGuid();
        var digest = BlobDigest.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var file = new PackageFile("f.txt", 1, digest, new string('0', 64), "text/plain");
        var created = new PackageCreated(id, name, [], digest, 1, new string('0', 64), [file]);
        return new NewEvent(EventTypes.PackageStream(id), EventTypes.PackageCreated, "tester", created.ToCbor());
    }

    private static async Task<bool> SucceededAsync(Task<Result<long>> unit)
    {
        try
        {
            return (await unit).IsSuccess;
        }
        catch (IOException)
        {
            return false;
        }
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
