using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>Packages on the backend: created in one verified chain, read back, deduplicated, listed and paged.</summary>
public abstract class PackageContract(StoreBackendFixture fixture)
{
    private static readonly Dictionary<string, string> TwoFiles = new() { ["a.txt"] = "alpha", ["dir/b.txt"] = "beta" };

    [Fact]
    public async Task creating_a_package_appends_created_and_default_applied_in_one_verified_chain()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var created = await store.CreateAsync("reports/q4", TwoFiles, labels: ["team=eval"]);
            Assert.True(created.IsSuccess, created.Error?.ToString());

            var events = await store.Database.ReadEventsAsync(0, 100, CancellationToken.None).ToListAsync();
            Assert.Equal([EventTypes.PackageCreated, EventTypes.RetentionDefaultApplied], events.Select(e => e.Type));
            Assert.Equal([1L, 2L], events.Select(e => e.Seq));
            Assert.All(events, e => Assert.Equal(EventTypes.PackageStream(created.Value.Package.Id), e.Stream));
            Assert.All(events, e => Assert.Equal("tester", e.Actor));
            Assert.All(events, e => Assert.Equal(TestStore.Start, e.OccurredAt));
            Assert.Null(await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None));

            var view = created.Value.Package;
            Assert.Equal("reports/q4", view.Name);
            Assert.Equal(["a.txt", "dir/b.txt"], view.Files.Select(f => f.Path));
            Assert.Equal("standard", view.RetentionClass);
            Assert.Equal(view.CreatedAt + TimeSpan.FromDays(7), view.Retention.ExpiresAt);
            Assert.False(view.Retention.EligibleForDeletion);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_created_package_reads_back_with_its_files_labels_and_bytes_also_after_a_restart()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var created = (await store.CreateAsync("reports/q4", TwoFiles, labels: ["team=eval", "kind=report"])).Value.Package;
            store = await store.ReopenAsync();

            var read = (await store.Packages.GetAsync(created.Id, CancellationToken.None)).Value;
            Assert.Equal(created.Name, read.Name);
            Assert.Equal(created.CreatedAt, read.CreatedAt);
            Assert.Equal(created.Labels.OrderBy(l => l.Key, StringComparer.Ordinal), read.Labels.OrderBy(l => l.Key, StringComparer.Ordinal));
            Assert.Equal(created.Files, read.Files);
            foreach (var file in read.Files)
            {
                await using var blob = (await store.BlobReader.OpenAsync(file.Sha256, file.Size, needRandomAccess: false, CancellationToken.None)).Value;
                using var text = new StreamReader(blob.Stream);
                Assert.Equal(TwoFiles[file.Path], await text.ReadToEndAsync());
            }

            Assert.Equal(ErrorCodes.PackageNotFound, (await store.Packages.GetAsync(Guid.CreateVersion7(), CancellationToken.None)).Error?.Code);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_answer_to_a_create_is_the_package_as_the_views_read_it()
    {
        // Sub-millisecond time, labels out of order and paths whose UTF-16 and UTF-8 orders differ: the answer is
        // built from the unit of work, not read back, so it must come out as the views would read it.
        var store = await TestStore.OpenAsync(fixture, time: new FakeTimeProvider(TestStore.Start.AddTicks(1_234_567)));
        try
        {
            var files = new Dictionary<string, string> { ["b.txt"] = "b", ["\U0001F600.txt"] = "smile", ["\uFF21.txt"] = "wide", ["a/z.txt"] = "z" };
            var created = await store.CreateAsync("answer/check", files, labels: ["zeta=1", "Alpha=2", "mid=3"]);
            Assert.True(created.IsSuccess, created.Error?.ToString());
            var read = (await store.Packages.GetAsync(created.Value.Package.Id, CancellationToken.None)).Value;
            Assert.Equal(Describe(read), Describe(created.Value.Package));
            Assert.Equal(["a/z.txt", "b.txt", "\uFF21.txt", "\U0001F600.txt"], read.Files.Select(f => f.Path));

            var forever = (await store.CreateAsync("answer/forever", files, retentionClass: "permanent-record")).Value.Package;
            Assert.Equal(Describe((await store.Packages.GetAsync(forever.Id, CancellationToken.None)).Value), Describe(forever));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>Every member of a view as text (a record's equality would compare its lists by reference).</summary>
    private static string Describe(PackageView view) => string.Join("\n",
    [
        $"{view.Id} {view.Name} {view.State} {view.CreatedAt.UtcTicks} {view.CreatedAt.Offset} {view.CreatedBy} {view.RetentionClass}",
        $"{view.ManifestDigest} {view.ManifestSize} {view.Tombstone}",
        string.Join(",", view.Labels.Select(l => $"{l.Key}={l.Value}")),
        string.Join(",", view.Files),
        $"{view.Retention.ExpiresAt?.UtcTicks} {view.Retention.Pinned} {view.Retention.EligibleForDeletion} {view.Retention.KeptByJob} {view.Retention.Holds.Count}",
    ]);

    [Fact]
    public async Task permanent_record_packages_never_expire()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var created = await store.CreateAsync("evidence", TwoFiles, retentionClass: "permanent-record");
            Assert.Null(created.Value.Package.Retention.ExpiresAt);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_unknown_retention_class_is_refused_and_leaves_nothing_behind()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var created = await store.CreateAsync("x", TwoFiles, retentionClass: "forever-and-ever");
            Assert.Equal(ErrorCodes.RetentionClassUnknown, created.Error?.Code);
            Assert.Equal(0, await store.Database.Views.GetHeadSeqAsync(CancellationToken.None));
            Assert.Equal(0, await store.CountBlobsAsync());
            Assert.Equal(0, await store.CountStagedAsync());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_same_bytes_uploaded_twice_are_stored_once_and_referenced_twice()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var first = await store.CreateAsync("one", new Dictionary<string, string> { ["f"] = "same content" });
            var second = await store.CreateAsync("two", new Dictionary<string, string> { ["g"] = "same content" });
            Assert.True(first.IsSuccess && second.IsSuccess);
            var digest = first.Value.Package.Files[0].Sha256;
            Assert.Equal(digest, second.Value.Package.Files[0].Sha256);

            // One content blob plus one manifest per package (names differ, so manifests differ).
            Assert.Equal(3, await store.CountBlobsAsync());
            var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
            Assert.Equal(2, row!.RefCount);
            Assert.Equal(BlobState.Live, row.State);
            Assert.Equal(0, await store.CountStagedAsync());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task listing_filters_by_name_and_labels_and_pages_newest_first()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var ids = new List<Guid>();
            for (var i = 0; i < 7; i++)
            {
                store.Time.Advance(TimeSpan.FromSeconds(1));
                var created = await store.CreateAsync(i % 2 == 0 ? "even" : "odd", new Dictionary<string, string> { ["f"] = $"{i}" }, labels: [$"i={i}", "all=yes"]);
                ids.Add(created.Value.Package.Id);
            }

            var firstPage = await store.Packages.ListAsync(new PackageQuery(null, [new("all", "yes")], PackageState.Live, null, 3), CancellationToken.None);
            Assert.Equal(ids.AsEnumerable().Reverse().Take(3), firstPage.Items.Select(p => p.Id));
            var secondPage = await store.Packages.ListAsync(new PackageQuery(null, [new("all", "yes")], PackageState.Live, firstPage.Next, 3), CancellationToken.None);
            Assert.Equal(ids.AsEnumerable().Reverse().Skip(3).Take(3), secondPage.Items.Select(p => p.Id));
            var lastPage = await store.Packages.ListAsync(new PackageQuery(null, [new("all", "yes")], PackageState.Live, secondPage.Next, 3), CancellationToken.None);
            Assert.Single(lastPage.Items);
            Assert.Null(lastPage.Next);

            var evens = await store.Packages.ListAsync(new PackageQuery("even", [], PackageState.Live, null, 100), CancellationToken.None);
            Assert.Equal(4, evens.Items.Count);
            var one = await store.Packages.ListAsync(new PackageQuery("odd", [new("i", "3"), new("all", "yes")], PackageState.Live, null, 100), CancellationToken.None);
            Assert.Equal(ids[3], Assert.Single(one.Items).Id);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task listing_filters_by_name_prefix_class_and_eligibility_and_usage_sums_each_class()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            // A second apart, so the ids (UUIDv7, time-ordered) put them in a known order.
            var a = (await store.CreateAsync("reports/a", new Dictionary<string, string> { ["x"] = "shared" })).Value.Package;
            store.Time.Advance(TimeSpan.FromSeconds(1));
            var b = (await store.CreateAsync("reports/b", new Dictionary<string, string> { ["y"] = "shared" }, retentionClass: "permanent-record")).Value.Package;
            store.Time.Advance(TimeSpan.FromSeconds(1));
            var other = (await store.CreateAsync("other", new Dictionary<string, string> { ["z"] = "unique-bytes" }, retentionClass: "ephemeral")).Value.Package;

            async Task<List<Guid>> ListAsync(PackageQuery query) =>
                [.. (await store.Packages.ListAsync(query, CancellationToken.None)).Items.Select(p => p.Id)];
            var all = new PackageQuery(null, [], PackageState.Live, null, 100);
            Assert.Equal([b.Id, a.Id], await ListAsync(all with { NamePrefix = "reports/" }));
            Assert.Empty(await ListAsync(all with { NamePrefix = "report%" }));
            Assert.Empty(await ListAsync(all with { NamePrefix = "reports/ab" }));
            Assert.Equal([b.Id], await ListAsync(all with { RetentionClass = "permanent-record" }));
            Assert.Equal([b.Id], await ListAsync(all with { NamePrefix = "reports/", RetentionClass = "permanent-record" }));
            Assert.Empty(await ListAsync(all with { EligibleOnly = true }));

            // A day later the ephemeral package has expired; the sweep marks it, and only it, eligible.
            store.Time.Advance(TimeSpan.FromDays(2));
            Assert.True((await store.Sweeper.RunAsync(null, dryRun: false, "tester", CancellationToken.None)).IsSuccess);
            Assert.Equal([other.Id], await ListAsync(all with { EligibleOnly = true }));
            Assert.Equal([a.Id], await ListAsync(all with { EligibleOnly = false, RetentionClass = "standard" }));

            var usage = await store.Database.Views.GetStorageUsageAsync(CancellationToken.None);
            Assert.Equal(
                [("ephemeral", 1L, 12L), ("permanent-record", 1L, 6L), ("standard", 1L, 6L)],
                usage.Classes.Select(c => (c.RetentionClass, c.Packages, c.Bytes)));
            Assert.Equal(3, usage.Packages);
            Assert.Equal(24, usage.PackageBytes);

            // Blobs as the blob store holds them: "shared" once, "unique-bytes", and the three manifests.
            Assert.Equal(await store.CountBlobsAsync(), usage.BlobCount);
            Assert.Equal(5, usage.BlobCount);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }
}
