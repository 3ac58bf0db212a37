using ArtifactStore.Core.Storage;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>The upload side of the online GC protocol (docs/gc.md, protocol step 3), driven by setting blob rows by hand.</summary>
public sealed class BlobProtocolTests
{
    private static readonly Dictionary<string, string> X = new() { ["x.bin"] = "content X" };

    [Fact]
    public async Task an_upload_resurrects_a_condemned_blob_instead_of_writing_it_again()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            var first = await store.CreateAsync("first", X);
            var digest = first.Value.Package.Files[0].Sha256;
            Sql(store, $"UPDATE blobs SET state = 'condemned', refcount = 0, condemned_at = '2026-11-21T10:00:00.000Z' WHERE sha256 = '{digest.Hex}'");

            var second = await store.CreateAsync("second", X);
            Assert.True(second.IsSuccess);
            var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
            Assert.Equal(BlobState.Live, row!.State);
            Assert.Equal(1, row.RefCount);
            Assert.Null(row.CondemnedAt);
            Assert.True(File.Exists(store.Blobs.PathOf(digest)));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_upload_waits_out_a_blob_the_reaper_is_deleting_and_then_writes_it_afresh()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            var first = await store.CreateAsync("first", X);
            var digest = first.Value.Package.Files[0].Sha256;
            Sql(store, $"UPDATE blobs SET state = 'deleting', refcount = 0 WHERE sha256 = '{digest.Hex}'");

            var upload = store.CreateAsync("second", X);
            await Task.Delay(400);
            Assert.False(upload.IsCompleted, "the upload must not rely on a blob that is being deleted");

            // The reaper finishes: bytes first, then the row.
            File.Delete(store.Blobs.PathOf(digest));
            Sql(store, $"DELETE FROM blobs WHERE sha256 = '{digest.Hex}'");

            var second = await upload.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(second.IsSuccess);
            Assert.True(File.Exists(store.Blobs.PathOf(digest)), "the blob must have been written afresh");
            var row = await store.Database.Views.GetBlobAsync(digest, CancellationToken.None);
            Assert.Equal(BlobState.Live, row!.State);
            Assert.Equal(0, store.TempEntryCount());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private static void Sql(TestStore store, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={store.Database.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
