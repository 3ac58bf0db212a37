using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>
/// An upload of content X interleaved with the reaper deleting a condemned blob X at every step
/// boundary of the protocol (SPEC §6). Whatever the interleaving, the new package must read back intact.
/// </summary>
public sealed class GcProtocolTests
{
    private const string X = "content X, shared by an expired package and a new upload";

    public static TheoryData<string> ReaperBoundaries => [ProtocolHooks.ReaperMarkedDeleting, ProtocolHooks.ReaperBytesDeleted];

    [Fact]
    public async Task an_upload_before_the_reaper_resurrects_the_blob_and_the_reaper_leaves_it()
    {
        var store = await ExpiredStoreAsync(null);
        try
        {
            await store.Collector(TimeSpan.FromDays(1)).RunAsync(dryRun: false, "gc", CancellationToken.None);
            Assert.Equal(BlobState.Condemned, (await RowOfXAsync(store))!.State);

            var upload = await store.CreateAsync("fresh", new Dictionary<string, string> { ["x"] = X });
            var report = (await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;

            Assert.DoesNotContain(report.BlobsReaped, b => b.Digest == DigestOfX());
            await AssertIntactAsync(store, upload.Value.Package.Id);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(ReaperBoundaries))]
    public async Task an_upload_while_the_reaper_is_between_steps_waits_and_writes_the_blob_afresh(string boundary)
    {
        var pause = new Pause(boundary, DigestOfX());
        var store = await ExpiredStoreAsync(pause.Hooks);
        pause.Arm();
        try
        {
            var gc = store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", CancellationToken.None);
            await pause.Reached.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(BlobState.Deleting, (await RowOfXAsync(store))!.State);

            var upload = store.CreateAsync("fresh", new Dictionary<string, string> { ["x"] = X });
            await Task.Delay(300);
            Assert.False(upload.IsCompleted, "an upload must not rely on a blob in state deleting");

            pause.Resume();
            var report = (await gc.WaitAsync(TimeSpan.FromSeconds(10))).Value;
            var created = await upload.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Contains(report.BlobsReaped, b => b.Digest == DigestOfX());
            await AssertIntactAsync(store, created.Value.Package.Id);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_upload_after_the_reaper_finished_writes_the_blob_afresh()
    {
        var store = await ExpiredStoreAsync(null);
        try
        {
            var report = (await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.Contains(report.BlobsReaped, b => b.Digest == DigestOfX());
            Assert.Null(await RowOfXAsync(store));
            Assert.False(File.Exists(store.Blobs.PathOf(DigestOfX())));

            var upload = await store.CreateAsync("fresh", new Dictionary<string, string> { ["x"] = X });
            await AssertIntactAsync(store, upload.Value.Package.Id);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_reaper_running_while_an_upload_is_staged_cannot_take_the_uploads_bytes()
    {
        var pause = new Pause(ProtocolHooks.UploadStaged);
        var store = await ExpiredStoreAsync(pause.Hooks);
        pause.Arm();
        try
        {
            var upload = store.CreateAsync("fresh", new Dictionary<string, string> { ["x"] = X });
            await pause.Reached.WaitAsync(TimeSpan.FromSeconds(10));

            var report = (await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.Contains(report.BlobsReaped, b => b.Digest == DigestOfX());

            pause.Resume();
            var created = await upload.WaitAsync(TimeSpan.FromSeconds(10));
            await AssertIntactAsync(store, created.Value.Package.Id);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>A store where a package holding only X has expired and been marked eligible.</summary>
    private static async Task<TestStore> ExpiredStoreAsync(ProtocolHooks? hooks)
    {
        var directory = Path.Combine(Path.GetTempPath(), "as-gc-" + Guid.NewGuid().ToString("N"));
        var classes = RetentionOptions.BuiltIn.ToDictionary(c => c.Name, StringComparer.Ordinal);
        classes["short"] = new RetentionClass("short", TimeSpan.FromMinutes(1));
        var options = new StoreOptions { DataRoot = directory, Retention = new RetentionOptions { Classes = classes } };
        var store = await TestStore.OpenAsync(directory, options, hooks: hooks);
        var expiring = await store.CreateAsync("expiring", new Dictionary<string, string> { ["x"] = X }, retentionClass: "short");
        Assert.True(expiring.IsSuccess);
        store.Time.Advance(TimeSpan.FromMinutes(2));
        var swept = (await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", CancellationToken.None)).Value;
        Assert.Single(swept.Eligible);
        return store;
    }

    private static BlobDigest DigestOfX() =>
        BlobDigest.FromBytes(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(X)));

    private static Task<BlobRow?> RowOfXAsync(TestStore store) => store.Database.Views.GetBlobAsync(DigestOfX(), CancellationToken.None);

    private static async Task AssertIntactAsync(TestStore store, Guid packageId)
    {
        var package = (await store.Packages.GetAsync(packageId, CancellationToken.None)).Value;
        var file = Assert.Single(package.Files);
        var reader = new BlobReader(store.Blobs);
        await using var blob = (await reader.OpenAsync(file.Sha256, file.Size, needRandomAccess: false, CancellationToken.None)).Value;
        using var text = new StreamReader(blob.Stream);
        Assert.Equal(X, await text.ReadToEndAsync());
        var row = await RowOfXAsync(store);
        Assert.Equal(BlobState.Live, row!.State);
        Assert.Equal(1, row.RefCount);
        Assert.Equal(0, store.TempEntryCount());
    }
}
