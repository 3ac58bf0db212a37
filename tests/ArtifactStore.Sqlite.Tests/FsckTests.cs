using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Verification;
using ArtifactStore.FileSystem;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>fsck's checks on a real store: each kind of damage is found and named, garbage is told apart from damage.</summary>
public sealed class FsckTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    [Fact]
    public async Task a_healthy_store_with_holds_and_deleted_packages_is_clean()
    {
        await using var store = await PopulatedStoreAsync();
        var report = await CheckAsync(store);

        Assert.True(report.IsClean, string.Join("\n", report.Findings.Select(f => f.Message)));
        Assert.Equal(await store.Database.Views.GetHeadSeqAsync(CancellationToken.None), report.HeadSeq);
        Assert.Equal(report.HeadSeq, report.Events);
        Assert.Equal(report.BlobRows, report.BlobsVerified);
        Assert.True(report.LiveReferences >= 5);
    }

    [Fact]
    public async Task a_flipped_byte_is_named_by_its_digest_and_the_files_that_need_it()
    {
        await using var store = await PopulatedStoreAsync();
        var digest = Digest("first file");
        Flip(store.Blobs.PathOf(digest));

        var finding = Assert.Single((await CheckAsync(store)).Findings);
        Assert.Equal(FsckFindingKind.CorruptBlob, finding.Kind);
        Assert.Equal(digest, finding.Blob);
        Assert.Contains(digest.ToString(), finding.Message, StringComparison.Ordinal);
        Assert.Contains("file 'a.txt' of package", finding.Message, StringComparison.Ordinal);
        Assert.True(finding.IsDamage);
    }

    [Fact]
    public async Task a_deleted_blob_is_named_missing()
    {
        await using var store = await PopulatedStoreAsync();
        var digest = Digest("second file");
        File.Delete(store.Blobs.PathOf(digest));

        var finding = Assert.Single((await CheckAsync(store)).Findings);
        Assert.Equal(FsckFindingKind.MissingBlob, finding.Kind);
        Assert.Contains($"blob {digest} is missing", finding.Message, StringComparison.Ordinal);
        Assert.Contains("file 'b/c.txt'", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_edited_event_breaks_the_chain_at_its_seq()
    {
        await using var store = await PopulatedStoreAsync();
        Sql(store, "UPDATE events SET occurred_at = '2020-01-01T00:00:00.000Z' WHERE seq = 3");

        var report = await CheckAsync(store);
        var chain = Assert.Single(report.Of(FsckFindingKind.ChainBroken));
        Assert.Equal("event 3", chain.Subject);
        Assert.Contains("event 3 has been altered", chain.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_view_row_changed_behind_the_stores_back_is_named_by_table_and_key()
    {
        await using var store = await PopulatedStoreAsync();
        var id = (await store.Packages.ListAsync(new Core.Packages.PackageQuery("multi", [], Core.Packages.PackageState.Live, null, 10), CancellationToken.None)).Items.Single().Id;
        Sql(store, $"UPDATE packages SET name = 'forged' WHERE id = '{id}'");

        var finding = Assert.Single((await CheckAsync(store)).Findings);
        Assert.Equal(FsckFindingKind.ViewDiffers, finding.Kind);
        Assert.Equal($"view packages id={id}", finding.Subject);
        Assert.Contains("forged", finding.Message, StringComparison.Ordinal);
        Assert.Contains("multi", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_reapers_deleting_mark_is_not_a_view_difference_but_unreferenced_data()
    {
        await using var store = await PopulatedStoreAsync(reap: false);
        var condemned = Digest("expiring");
        Sql(store, $"UPDATE blobs SET state = 'deleting' WHERE sha256 = '{condemned.Hex}'");

        var report = await CheckAsync(store);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(FsckFindingKind.UnreferencedRow, finding.Kind);
        Assert.Equal(condemned, finding.Blob);
        Assert.False(report.HasDamage);
    }

    [Fact]
    public async Task bytes_without_a_row_count_as_unreferenced_only_once_older_than_the_grace_period()
    {
        await using var store = await PopulatedStoreAsync();
        var orphan = Digest("never committed");
        var path = store.Blobs.PathOf(orphan);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "never committed");
        File.SetLastWriteTimeUtc(path, store.Time.GetUtcNow().UtcDateTime - TimeSpan.FromMinutes(5));

        var young = await CheckAsync(store);
        Assert.True(young.IsClean);
        Assert.Contains(young.Notes, n => n.Contains("1 blobs without a row", StringComparison.Ordinal));

        File.SetLastWriteTimeUtc(path, store.Time.GetUtcNow().UtcDateTime - Grace - TimeSpan.FromMinutes(1));
        var old = await CheckAsync(store);
        var finding = Assert.Single(old.Findings);
        Assert.Equal(FsckFindingKind.UnreferencedBytes, finding.Kind);
        Assert.Equal(orphan, finding.Blob);
        Assert.False(old.HasDamage);
    }

    [Fact]
    public async Task repair_rebuilds_views_and_removes_unreferenced_data_but_leaves_referenced_damage_until_a_good_copy_is_given()
    {
        await using var store = await PopulatedStoreAsync(reap: false);
        var id = (await store.Packages.ListAsync(new Core.Packages.PackageQuery("multi", [], Core.Packages.PackageState.Live, null, 10), CancellationToken.None)).Items.Single().Id;
        Sql(store, $"UPDATE packages SET name = 'forged' WHERE id = '{id}'");
        var corrupt = Digest("first file");
        var good = Path.Combine(store.Directory, "..", "good-copy-" + Guid.NewGuid().ToString("N"));
        var goodCopies = new FileSystemBlobStore(Path.Combine(good, "blobs"), Path.Combine(good, "tmp"));
        Directory.CreateDirectory(Path.GetDirectoryName(goodCopies.PathOf(corrupt))!);
        File.Copy(store.Blobs.PathOf(corrupt), goodCopies.PathOf(corrupt));
        Flip(store.Blobs.PathOf(corrupt));
        store.Time.Advance(Grace + TimeSpan.FromMinutes(1)); // the condemned blob of the expired package is past the grace period

        var before = await CheckAsync(store);
        // The expired package's file and manifest are both unreferenced.
        Assert.Equal([FsckFindingKind.CorruptBlob, FsckFindingKind.ViewDiffers, FsckFindingKind.UnreferencedRow, FsckFindingKind.UnreferencedRow], before.Findings.Select(f => f.Kind));

        using var collector = store.Collector(Grace);
        var repair = new StoreRepair(store.Database, store.Blobs, collector);
        await repair.RebuildViewsAsync(CancellationToken.None);
        var afterRebuild = await CheckAsync(store);
        var removed = await repair.RemoveUnreferencedAsync(afterRebuild, "fsck", CancellationToken.None);
        Assert.Equal(2, removed.Count);

        var left = await CheckAsync(store);
        Assert.Equal(FsckFindingKind.CorruptBlob, Assert.Single(left.Findings).Kind);

        var (restored, notRestored) = await repair.RestoreBlobsAsync(left, goodCopies, "the good copy", CancellationToken.None);
        Assert.Single(restored);
        Assert.Empty(notRestored);
        Assert.True((await CheckAsync(store)).IsClean);
        Directory.Delete(good, recursive: true);
    }

    [Fact]
    public async Task a_snapshot_keeps_reading_one_state_while_the_store_commits()
    {
        await using var store = await PopulatedStoreAsync();
        await using var snapshot = SqliteSnapshot.Open(store.Database.DatabasePath);
        var before = await snapshot.ReadEventsAsync(CancellationToken.None).CountAsync();
        await store.CreateAsync("later", new Dictionary<string, string> { ["l.txt"] = "later" });

        Assert.Equal(before, await snapshot.ReadEventsAsync(CancellationToken.None).CountAsync());
        Assert.Equal(0, (await snapshot.CompareViewsWithReplayAsync(20, CancellationToken.None)).DifferenceCount);
    }

    /// <summary>
    /// Packages with one and several files, a held one, and one that expired and was deleted by GC
    /// (its blob reaped, or with <paramref name="reap"/> false, still condemned).
    /// </summary>
    private static async Task<TestStore> PopulatedStoreAsync(bool reap = true)
    {
        var directory = Path.Combine(Path.GetTempPath(), "as-fsck-" + Guid.NewGuid().ToString("N"));
        var classes = RetentionOptions.BuiltIn.ToDictionary(c => c.Name, StringComparer.Ordinal);
        classes["short"] = new RetentionClass("short", TimeSpan.FromMinutes(1));
        var options = new StoreOptions { DataRoot = directory, Retention = new RetentionOptions { Classes = classes } };
        var store = await TestStore.OpenAsync(directory, options);
        Assert.True((await store.CreateAsync("multi", new Dictionary<string, string> { ["a.txt"] = "first file", ["b/c.txt"] = "second file" }, labels: ["team=ops"])).IsSuccess);
        var held = await store.CreateAsync("held", new Dictionary<string, string> { ["h.txt"] = "held file" }, retentionClass: "short");
        Assert.True((await store.Retention.ApplyHoldAsync(held.Value.Package.Id, "audit", "tester", CancellationToken.None)).IsSuccess);
        Assert.True((await store.CreateAsync("expiring", new Dictionary<string, string> { ["e.txt"] = "expiring" }, retentionClass: "short")).IsSuccess);
        store.Time.Advance(TimeSpan.FromMinutes(2));
        await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", CancellationToken.None);
        using var collector = store.Collector(reap ? TimeSpan.Zero : Grace);
        var report = (await collector.RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
        Assert.Single(report.PackagesDeleted);
        return store;
    }

    private static async Task<FsckReport> CheckAsync(TestStore store)
    {
        await using var snapshot = SqliteSnapshot.Open(store.Database.DatabasePath);
        return await new StoreChecker(store.Blobs, store.Time, Grace).CheckAsync(snapshot, CancellationToken.None);
    }

    private static BlobDigest Digest(string content) =>
        BlobDigest.FromBytes(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));

    private static void Flip(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[0] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Changes the database behind the store's back, through a connection of its own.</summary>
    private static void Sql(TestStore store, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={store.Database.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
