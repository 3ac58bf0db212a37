using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// The upload side of the online GC protocol: a condemned blob is resurrected, a deleting one waited out and written
/// afresh; a finished upload no package references yet revives a condemned blob's grace period (docs/gc.md, "Uploads
/// without a package"); a finished upload of bytes already there without a row (an orphan) restarts their grace period.
/// </summary>
public abstract class BlobProtocolContract(StoreBackendFixture fixture)
{
    private static readonly Dictionary<string, string> X = new() { ["x.bin"] = "content X" };

    /// <summary>Content over the inline threshold, kept as a file or object as an image layer is.</summary>
    private static readonly string Layer = "content of a layer, " + new string('L', (int)InlineBlobStore.DefaultMaxInlineBytes);

    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    public static TheoryData<string> ReaperBoundaries => [ProtocolHooks.ReaperMarkedDeleting, ProtocolHooks.ReaperBytesDeleted];

    [Fact]
    public async Task an_upload_resurrects_a_condemned_blob_instead_of_writing_it_again()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var digest = await CondemnedAsync(store);
            var written = await store.Blobs.StatAsync(digest, CancellationToken.None);
            Assert.NotNull(written);
            store.Time.Advance(TimeSpan.FromMinutes(1));

            var second = await store.CreateAsync("second", X);
            Assert.True(second.IsSuccess);
            var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
            Assert.Equal(BlobState.Live, row!.State);
            Assert.Equal(1, row.RefCount);
            Assert.Null(row.CondemnedAt);
            Assert.Equal(written, await store.Blobs.StatAsync(digest, CancellationToken.None));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_upload_waits_out_a_blob_the_reaper_is_deleting_and_then_writes_it_afresh()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            // A reaper that stopped right after its first step leaves the blob marked deleting.
            var digest = await CondemnedAsync(store);
            await store.Database.WriteAsync<bool>(async (writer, ct) =>
            {
                await writer.SetBlobStateAsync(digest, BlobState.Deleting, ct);
                return true;
            }, CancellationToken.None);

            var upload = store.CreateAsync("second", X);
            // The upload retries on the wall clock while the blob is being deleted: give it time to (wrongly) finish.
            await Task.Delay(400);
            Assert.False(upload.IsCompleted, "the upload must not rely on a blob that is being deleted");

            // The next reaper run finishes the deletion: bytes first, then the row.
            var report = (await store.Collector(TimeSpan.FromDays(1)).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.Contains(report.BlobsReaped, b => b.Digest == digest);

            var second = await upload.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(second.IsSuccess);
            Assert.NotNull(await store.Blobs.StatAsync(digest, CancellationToken.None));
            var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
            Assert.Equal(BlobState.Live, row!.State);
            Assert.Equal(1, row.RefCount);
            Assert.Equal(0, await store.CountStagedAsync());
            await using var blob = (await store.BlobReader.OpenAsync(digest, row.Size, needRandomAccess: false, CancellationToken.None)).Value;
            using var text = new StreamReader(blob.Stream);
            Assert.Equal("content X", await text.ReadToEndAsync());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_finished_upload_of_a_condemned_blobs_bytes_restarts_its_grace_period_and_a_package_then_makes_it_live()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var digest = await CondemnedLayerAsync(store);

            // Long past the grace period the reaper may take the blob at any moment; an upload of its bytes revives it.
            store.Time.Advance(Grace * 2);
            await PublishLayerAsync(store);
            var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
            Assert.Equal(BlobState.Condemned, row!.State);
            Assert.Equal(0, row.RefCount);
            Assert.Equal(store.Time.GetUtcNow(), row.CondemnedAt);

            store.Time.Advance(Grace - TimeSpan.FromMinutes(1));
            var report = (await store.Collector(Grace).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.DoesNotContain(report.BlobsReaped, b => b.Digest == digest);
            Assert.NotNull(await store.Blobs.StatAsync(digest, CancellationToken.None));

            // The package that names the uploaded blob (as an OCI manifest or a package of stored blobs does) makes it live.
            await AssertAPackageNamingItReadsBackAsync(store, digest);
            row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
            Assert.Equal(BlobState.Live, row!.State);
            Assert.Equal(1, row.RefCount);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_revived_blob_that_no_package_names_is_reaped_a_grace_period_after_the_upload()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var digest = await CondemnedLayerAsync(store);
            store.Time.Advance(Grace * 2);
            await PublishLayerAsync(store);

            store.Time.Advance(Grace + TimeSpan.FromMinutes(1));
            var report = (await store.Collector(Grace).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.Contains(report.BlobsReaped, b => b.Digest == digest);
            Assert.Null(await store.Database.Views.GetBlobAsync(digest, CancellationToken.None));
            Assert.Null(await store.Blobs.StatAsync(digest, CancellationToken.None));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(ReaperBoundaries))]
    public async Task a_finished_upload_while_the_reaper_is_between_steps_waits_and_leaves_the_bytes_for_the_package(string boundary)
    {
        var pause = new Pause(boundary, LayerDigest());
        var store = await TestStore.OpenAsync(fixture, hooks: pause.Hooks);
        try
        {
            var digest = await CondemnedLayerAsync(store);
            store.Time.Advance(Grace * 2);
            pause.Arm();
            var gc = store.Collector(Grace).RunAsync(dryRun: false, "gc", CancellationToken.None);
            await pause.Reached.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(BlobState.Deleting, (await store.Database.Views.GetBlobAsync(digest, CancellationToken.None))!.State);

            var upload = PublishLayerAsync(store);
            // The upload retries on the wall clock while the reaper holds the blob: give it time to (wrongly) finish.
            await Task.Delay(300);
            Assert.False(upload.IsCompleted, "an upload must not be acknowledged on bytes the reaper is deleting");

            pause.Resume();
            var report = (await gc.WaitAsync(TimeSpan.FromSeconds(10))).Value;
            await upload.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains(report.BlobsReaped, b => b.Digest == digest);

            // The bytes are back at their address without a row, as a fresh upload's are, and a package finds them.
            Assert.Null(await store.Database.Views.GetBlobAsync(digest, CancellationToken.None));
            Assert.NotNull(await store.Blobs.StatAsync(digest, CancellationToken.None));
            await AssertAPackageNamingItReadsBackAsync(store, digest);
        }
        finally
        {
            pause.Resume();
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_finished_upload_of_an_old_orphans_bytes_restarts_their_grace_period_so_a_sweep_right_after_leaves_them()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            // A first push whose manifest never came: the layer's bytes at their address, no row.
            var digest = LayerDigest();
            await PublishLayerAsync(store);
            Assert.Null(await store.Database.Views.GetBlobAsync(digest, CancellationToken.None));
            var firstWritten = (await store.Blobs.StatAsync(digest, CancellationToken.None))!.LastModified;

            // Some stores keep whole seconds (S3's LastModified): let the wall clock pass the first write.
            await Task.Delay(TimeSpan.FromMilliseconds(1100));
            await PublishLayerAsync(store);
            var refreshed = (await store.Blobs.StatAsync(digest, CancellationToken.None))!.LastModified;
            Assert.True(refreshed > firstWritten, $"the second push must restart the orphan's grace period (written {firstWritten:O}, now {refreshed:O})");

            // A sweep right after the second push, with a grace period the first write is older than.
            store.Time.SetUtcNow(refreshed);
            var grace = (refreshed - firstWritten) / 2;
            var report = (await store.Collector(grace).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;
            Assert.DoesNotContain(report.OrphansRemoved, b => b.Digest == digest);
            Assert.NotNull(await store.Blobs.StatAsync(digest, CancellationToken.None));

            // The manifest (here a package of stored blobs) that names the layer then finds it.
            await AssertAPackageNamingItReadsBackAsync(store, digest);
            Assert.Equal(BlobState.Live, (await store.Database.Views.GetBlobAsync(digest, CancellationToken.None))!.State);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_finished_upload_that_refreshes_an_orphan_the_sweep_is_deleting_puts_the_bytes_again()
    {
        var digest = LayerDigest();
        var sweep = new Pause(ProtocolHooks.OrphanChecked, digest);
        var refreshed = new Pause(ProtocolHooks.UploadRefreshed, digest);
        var hooks = new ProtocolHooks { At = (step, blob) => Task.WhenAll(sweep.Hooks.At!(step, blob), refreshed.Hooks.At!(step, blob)) };
        var store = await TestStore.OpenAsync(fixture, hooks: hooks);
        try
        {
            await PublishLayerAsync(store);
            Assert.Null(await store.Database.Views.GetBlobAsync(digest, CancellationToken.None));

            // The sweep has found the bytes an orphan old enough to remove, and checked them again in its unit of work.
            store.Time.SetUtcNow(DateTimeOffset.UtcNow.AddHours(1));
            sweep.Arm();
            var gc = store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", CancellationToken.None);
            await sweep.Reached.WaitAsync(TimeSpan.FromSeconds(10));

            // Meanwhile a second push finds the bytes at their address and refreshes them; the sweep then deletes them.
            refreshed.Arm();
            var upload = PublishLayerAsync(store);
            await refreshed.Reached.WaitAsync(TimeSpan.FromSeconds(10));
            refreshed.Resume();
            sweep.Resume();
            var report = (await gc.WaitAsync(TimeSpan.FromSeconds(10))).Value;
            Assert.Contains(report.OrphansRemoved, b => b.Digest == digest);

            // The upload's own check came after the deletion, so it put the bytes again before it was acknowledged.
            await upload.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.NotNull(await store.Blobs.StatAsync(digest, CancellationToken.None));
            await AssertAPackageNamingItReadsBackAsync(store, digest);
        }
        finally
        {
            sweep.Resume();
            refreshed.Resume();
            await store.DisposeAsync();
        }
    }

    /// <summary>Stores <see cref="Layer"/> in a package that then expires and is collected: the layer's row is left condemned.</summary>
    private static async Task<BlobDigest> CondemnedLayerAsync(TestStore store)
    {
        var first = await store.CreateAsync("first", new Dictionary<string, string> { ["layer"] = Layer }, retentionClass: "short");
        Assert.Equal(LayerDigest(), first.Value.Package.Files[0].Sha256);
        store.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Single((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", CancellationToken.None)).Value.Eligible);
        await store.Collector(Grace).RunAsync(dryRun: false, "gc", CancellationToken.None);
        Assert.Equal(BlobState.Condemned, (await store.Database.Views.GetBlobAsync(LayerDigest(), CancellationToken.None))!.State);
        return LayerDigest();
    }

    /// <summary>What a finished upload session does with its content: stages it and publishes it with no package (then drops the staged copy).</summary>
    private static async Task PublishLayerAsync(TestStore store)
    {
        var staged = (await store.Blobs.StageAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Layer)), long.MaxValue, CancellationToken.None)).Value;
        try
        {
            await BlobPublisher.PublishUnreferencedAsync(store.Database, store.Blobs, staged, "uploader", store.Hooks, CancellationToken.None);
        }
        finally
        {
            await store.Blobs.DiscardAsync(staged, CancellationToken.None);
        }
    }

    private static async Task<Core.Errors.Result<Core.Packages.PackageCreation>> CreateOfStoredLayerAsync(TestStore store, BlobDigest digest)
    {
        var stored = await store.Packages.FindStoredBlobAsync(digest, CancellationToken.None);
        Assert.True(stored.IsSuccess, stored.IsSuccess ? null : stored.Error.Message);
        await using var upload = store.Packages.BeginUpload();
        Assert.Null(upload.AddField("name", "second"));
        Assert.Null(upload.AddStoredFile("layer", "application/octet-stream", stored.Value));
        return await store.Packages.CreateAsync(upload, "tester", claim: null, CancellationToken.None);
    }

    /// <summary>A package naming the uploaded layer (as an OCI manifest does) is created, the layer reads back, and the views match a replay.</summary>
    private static async Task AssertAPackageNamingItReadsBackAsync(TestStore store, BlobDigest digest)
    {
        var created = await CreateOfStoredLayerAsync(store, digest);
        Assert.True(created.IsSuccess, created.IsSuccess ? null : created.Error.Message);
        await AssertLayerReadsBackAsync(store, digest);
        await store.AssertViewsMatchReplayAsync();
    }

    private static async Task AssertLayerReadsBackAsync(TestStore store, BlobDigest digest)
    {
        var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
        await using var blob = (await store.BlobReader.OpenAsync(digest, row!.Size, needRandomAccess: false, CancellationToken.None)).Value;
        using var text = new StreamReader(blob.Stream);
        Assert.Equal(Layer, await text.ReadToEndAsync());
        Assert.Equal(0, await store.CountStagedAsync());
    }

    private static BlobDigest LayerDigest() =>
        BlobDigest.FromBytes(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Layer)));

    /// <summary>Stores X in a package that then expires and is collected with a long grace period: X's row is left condemned.</summary>
    private static async Task<BlobDigest> CondemnedAsync(TestStore store)
    {
        var first = await store.CreateAsync("first", X, retentionClass: "short");
        var digest = first.Value.Package.Files[0].Sha256;
        store.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Single((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", CancellationToken.None)).Value.Eligible);
        await store.Collector(TimeSpan.FromDays(1)).RunAsync(dryRun: false, "gc", CancellationToken.None);
        var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
        Assert.Equal(BlobState.Condemned, row!.State);
        Assert.Equal(0, row.RefCount);
        Assert.NotNull(row.CondemnedAt);
        return digest;
    }
}
