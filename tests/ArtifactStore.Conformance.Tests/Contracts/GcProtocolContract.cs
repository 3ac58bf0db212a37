using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// An upload of content X interleaved with the reaper deleting a condemned blob X at every step
/// boundary of the protocol (docs/gc.md). Whatever the interleaving, the new package must read back intact.
/// </summary>
public abstract class GcProtocolContract(StoreBackendFixture fixture)
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

    [Fact]
    public async Task a_condemned_blob_is_reaped_only_once_its_grace_period_has_passed_on_the_clock()
    {
        var store = await ExpiredStoreAsync(null);
        try
        {
            var grace = TimeSpan.FromHours(1);
            var first = (await store.Collector(grace).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.Empty(first.BlobsReaped);
            Assert.Equal(BlobState.Condemned, (await RowOfXAsync(store))!.State);

            store.Time.Advance(grace - TimeSpan.FromMinutes(1));
            Assert.Empty((await store.Collector(grace).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value.BlobsReaped);
            Assert.NotNull(await store.Blobs.StatAsync(DigestOfX(), CancellationToken.None));

            store.Time.Advance(TimeSpan.FromMinutes(2));
            var later = (await store.Collector(grace).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.Contains(later.BlobsReaped, b => b.Digest == DigestOfX());
            Assert.Null(await RowOfXAsync(store));
            Assert.Null(await store.Blobs.StatAsync(DigestOfX(), CancellationToken.None));
            await store.AssertViewsMatchReplayAsync();
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
            // The upload retries on the wall clock while the reaper holds the blob: give it time to (wrongly) finish.
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
    public async Task an_upload_whose_unit_shares_a_group_commit_with_the_reapers_last_unit_writes_the_blob_afresh()
    {
        // X is small, so it is inline: the reaper's last unit drops its row and its bytes, and the upload's unit runs
        // right after it in the same transaction, while reads outside that transaction still see the bytes.
        Assert.True(X.Length <= InlineBlobStore.DefaultMaxInlineBytes);
        var pause = new Pause(ProtocolHooks.ReaperBytesDeleted, DigestOfX());
        var store = await ExpiredStoreAsync(pause.Hooks);
        var reaper = new QueuedWrites(store.Database);
        var uploads = new QueuedWrites(store.Database);
        var packages = new Core.Packages.PackageService(uploads, store.Blobs, store.Options, store.Time, store.Hooks);
        var holdWriter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pause.Arm();
        try
        {
            using var collector = new Core.Gc.GarbageCollector(reaper, store.Blobs, store.Time, store.Options.Gc with { BlobGracePeriod = TimeSpan.Zero }, store.Hooks);
            var gc = collector.RunAsync(dryRun: false, "gc", CancellationToken.None);
            await pause.Reached.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(BlobState.Deleting, (await RowOfXAsync(store))!.State);
            var reaperUnits = reaper.Queued;

            // A unit that holds the writer until both units below are queued behind it: the next batch is exactly them.
            var writerHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var holder = store.Database.WriteAsync<bool>(async (_, _) =>
            {
                writerHeld.SetResult();
                await holdWriter.Task;
                return true;
            }, CancellationToken.None);
            await writerHeld.Task.WaitAsync(TimeSpan.FromSeconds(10));

            pause.Resume();
            await reaper.QueuedAsync(reaperUnits + 1).WaitAsync(TimeSpan.FromSeconds(10));
            var upload = CreateXAsync(packages);
            await uploads.QueuedAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
            holdWriter.SetResult();

            Assert.True((await holder.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
            var report = (await gc.WaitAsync(TimeSpan.FromSeconds(10))).Value;
            var created = await upload.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Contains(report.BlobsReaped, b => b.Digest == DigestOfX());
            Assert.True(created.IsSuccess, created.IsSuccess ? null : created.Error.Message);
            Assert.NotNull(await store.Database.Views.GetInlineBlobAsync(DigestOfX(), CancellationToken.None));
            await AssertIntactAsync(store, created.Value.Package.Id);
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            holdWriter.TrySetResult();
            pause.Resume();
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
            Assert.Null(await store.Blobs.StatAsync(DigestOfX(), CancellationToken.None));

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

    [Fact]
    public async Task bytes_swept_as_an_orphan_between_the_put_and_the_commit_are_put_again()
    {
        // Over the inline threshold: only content put at an address before its unit of work can be swept meanwhile.
        var y = "content Y, new to the store " + new string('y', (int)InlineBlobStore.DefaultMaxInlineBytes);
        var digestOfY = BlobDigest.FromBytes(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(y)));
        var pause = new Pause(ProtocolHooks.UploadPut);
        var store = await TestStore.OpenAsync(fixture, hooks: pause.Hooks);
        pause.Arm();
        try
        {
            var upload = store.CreateAsync("fresh", new Dictionary<string, string> { ["y"] = y });
            await pause.Reached.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.NotNull(await store.Blobs.StatAsync(digestOfY, CancellationToken.None));
            Assert.Null(await store.Database.Views.GetBlobAsync(digestOfY, CancellationToken.None));

            // To the collector the put bytes are an orphan old enough to remove.
            store.Time.SetUtcNow(DateTimeOffset.UtcNow.AddHours(1));
            await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", CancellationToken.None);
            Assert.Null(await store.Blobs.StatAsync(digestOfY, CancellationToken.None));

            pause.Resume();
            var created = (await upload.WaitAsync(TimeSpan.FromSeconds(10))).Value;
            var file = Assert.Single(created.Package.Files);
            await using var blob = (await store.BlobReader.OpenAsync(file.Sha256, file.Size, needRandomAccess: false, CancellationToken.None)).Value;
            using var text = new StreamReader(blob.Stream);
            Assert.Equal(y, await text.ReadToEndAsync());
            Assert.Equal(BlobState.Live, (await store.Database.Views.GetBlobAsync(digestOfY, CancellationToken.None))!.State);
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>A store where a package holding only X has expired and been marked eligible.</summary>
    private async Task<TestStore> ExpiredStoreAsync(ProtocolHooks? hooks)
    {
        var store = await TestStore.OpenAsync(fixture, hooks: hooks);
        var expiring = await store.CreateAsync("expiring", new Dictionary<string, string> { ["x"] = X }, retentionClass: "short");
        Assert.True(expiring.IsSuccess);
        store.Time.Advance(TimeSpan.FromMinutes(2));
        var swept = (await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", CancellationToken.None)).Value;
        Assert.Single(swept.Eligible);
        return store;
    }

    private static async Task<Core.Errors.Result<Core.Packages.PackageCreation>> CreateXAsync(Core.Packages.PackageService packages)
    {
        await using var upload = packages.BeginUpload();
        Assert.Null(upload.AddField("name", "fresh"));
        Assert.Null(await upload.AddFileAsync("x", "text/plain", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(X)), CancellationToken.None));
        return await packages.CreateAsync(upload, "tester", claim: null, CancellationToken.None);
    }

    private static BlobDigest DigestOfX() =>
        BlobDigest.FromBytes(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(X)));

    private static Task<BlobRow?> RowOfXAsync(TestStore store) => store.Database.Views.GetBlobAsync(DigestOfX(), CancellationToken.None);

    private static async Task AssertIntactAsync(TestStore store, Guid packageId)
    {
        var package = (await store.Packages.GetAsync(packageId, CancellationToken.None)).Value;
        var file = Assert.Single(package.Files);
        await using var blob = (await store.BlobReader.OpenAsync(file.Sha256, file.Size, needRandomAccess: false, CancellationToken.None)).Value;
        using var text = new StreamReader(blob.Stream);
        Assert.Equal(X, await text.ReadToEndAsync());
        var row = await RowOfXAsync(store);
        Assert.Equal(BlobState.Live, row!.State);
        Assert.Equal(1, row.RefCount);
        Assert.Equal(0, await store.CountStagedAsync());
    }
}
