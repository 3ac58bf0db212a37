using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>The upload side of the online GC protocol: a condemned blob is resurrected, a deleting one waited out and written afresh.</summary>
public abstract class BlobProtocolContract(StoreBackendFixture fixture)
{
    private static readonly Dictionary<string, string> X = new() { ["x.bin"] = "content X" };

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
