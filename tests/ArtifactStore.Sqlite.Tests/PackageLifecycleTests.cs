using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Sqlite.Tests;

public sealed class PackageLifecycleTests
{
    private static readonly Dictionary<string, string> TwoFiles = new() { ["a.txt"] = "alpha", ["dir/b.txt"] = "beta" };

    [Fact]
    public async Task creating_a_package_appends_created_and_default_applied_in_one_verified_chain()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            var created = await store.CreateAsync("reports/q4", TwoFiles, labels: ["team=eval"]);
            Assert.True(created.IsSuccess, created.Error?.ToString());

            var events = await store.Database.ReadEventsAsync(0, 100, CancellationToken.None).ToListAsync();
            Assert.Equal([EventTypes.PackageCreated, EventTypes.RetentionDefaultApplied], events.Select(e => e.Type));
            Assert.Equal([1L, 2L], events.Select(e => e.Seq));
            Assert.All(events, e => Assert.Equal(EventTypes.PackageStream(created.Value.Package.Id), e.Stream));
            Assert.All(events, e => Assert.Equal("tester", e.Actor));
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
    public async Task permanent_record_packages_never_expire()
    {
        var store = await TestStore.OpenAsync();
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
        var store = await TestStore.OpenAsync();
        try
        {
            var created = await store.CreateAsync("x", TwoFiles, retentionClass: "forever-and-ever");
            Assert.Equal(ErrorCodes.RetentionClassUnknown, created.Error?.Code);
            Assert.Equal(0, await store.Database.Views.GetHeadSeqAsync(CancellationToken.None));
            Assert.Equal(0, store.BlobFileCount());
            Assert.Equal(0, store.TempEntryCount());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_same_bytes_uploaded_twice_are_stored_once_and_referenced_twice()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            var first = await store.CreateAsync("one", new Dictionary<string, string> { ["f"] = "same content" });
            var second = await store.CreateAsync("two", new Dictionary<string, string> { ["g"] = "same content" });
            Assert.True(first.IsSuccess && second.IsSuccess);
            var digest = first.Value.Package.Files[0].Sha256;
            Assert.Equal(digest, second.Value.Package.Files[0].Sha256);

            // One content blob plus one manifest per package (names differ, so manifests differ).
            Assert.Equal(3, store.BlobFileCount());
            var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
            Assert.Equal(2, row!.RefCount);
            Assert.Equal(BlobState.Live, row.State);
            Assert.Equal(0, store.TempEntryCount());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task views_rebuilt_from_the_events_equal_the_live_views()
    {
        var store = await TestStore.OpenAsync();
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

            var live = store.Database.DumpViews();
            await store.Database.RebuildViewsAsync(CancellationToken.None);
            var rebuilt = store.Database.DumpViews();
            Assert.Equal(live, rebuilt);
            Assert.Contains("shared", live, StringComparison.Ordinal);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task editing_a_stored_event_breaks_the_chain_at_that_event()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            await store.CreateAsync("a", TwoFiles);
            await store.CreateAsync("b", TwoFiles);
            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store.Database.DatabasePath}"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "UPDATE events SET actor = 'mallory' WHERE seq = 3";
                command.ExecuteNonQuery();
            }

            var problem = await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None);
            Assert.Equal("event 3 has been altered: its hash does not match its content", problem);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task listing_filters_by_name_and_labels_and_pages_newest_first()
    {
        var store = await TestStore.OpenAsync();
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
}
