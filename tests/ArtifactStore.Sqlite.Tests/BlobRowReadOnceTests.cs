using System.Security.Cryptography;
using System.Text;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>
/// A unit of work that read a blob's row (as every upload does before it references its blobs) hands that row to
/// the projection of its next <c>v1.package.created</c> instead of the projector reading it again
/// (<see cref="SqliteStoreWriter"/>). A row read before an event that changed it must never be reused: the counts
/// must come out as the projector reading every row itself gives them, which is what a replay does.
/// </summary>
public sealed class BlobRowReadOnceTests
{
    private static readonly BlobDigest Shared = BlobDigest.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes("shared")));

    [Fact]
    public async Task a_row_read_before_an_event_that_changed_it_is_not_reused_and_the_counts_equal_a_replay()
    {
        await using var store = await TestStore.OpenAsync();
        var first = Guid.NewGuid();
        Assert.True((await store.Database.WriteAsync<bool>(async (writer, ct) =>
        {
            await writer.AppendAsync(Created(first, "first"), ct);
            return true;
        }, CancellationToken.None)).IsSuccess);

        var rows = await store.Database.WriteAsync<List<long>>(async (writer, ct) =>
        {
            var seen = new List<long>();
            // Read as an upload reads it (count 1), then a package created right after: 1 + 1.
            seen.Add((await writer.GetBlobAsync(Shared, ct))!.RefCount);
            await writer.AppendAsync(Created(Guid.NewGuid(), "second"), ct);

            // Read again (2), then an event that releases a reference (2 → 1) before the next package: the row read
            // before the release is stale, and reusing it would count 3 instead of 2.
            seen.Add((await writer.GetBlobAsync(Shared, ct))!.RefCount);
            await writer.AppendAsync(Deleted(first), ct);
            await writer.AppendAsync(Created(Guid.NewGuid(), "third"), ct);

            // Read (2), then its state changed by this unit itself (as the collector does) before a package references it.
            seen.Add((await writer.GetBlobAsync(Shared, ct))!.RefCount);
            await writer.SetBlobStateAsync(Shared, BlobState.Condemned, ct);
            await writer.AppendAsync(Created(Guid.NewGuid(), "fourth"), ct);
            seen.Add((await writer.GetBlobAsync(Shared, ct))!.RefCount);
            return seen;
        }, CancellationToken.None);

        Assert.Equal([1L, 2L, 2L, 3L], rows.Value);
        var row = await store.Database.Views.GetBlobAsync(Shared, CancellationToken.None);
        Assert.NotNull(row);
        Assert.Equal(3, row.RefCount);
        Assert.Equal(BlobState.Live, row.State);

        // The projector reading every row itself (a replay) gives the same views.
        await using var snapshot = SqliteSnapshot.Open(store.Database.DatabasePath);
        Assert.Equal(0, (await snapshot.CompareViewsWithReplayAsync(20, CancellationToken.None)).DifferenceCount);
    }

    [Fact]
    public async Task uploads_in_one_batch_that_share_a_blob_count_every_reference()
    {
        await using var store = await TestStore.OpenAsync();
        var content = new Dictionary<string, string> { ["same.txt"] = "the same bytes in every package" };

        // Several uploads at once run as units of one group commit; each reads the shared row (absent for the first)
        // and references it, so each must see the row as the unit before it left it.
        var created = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.CreateAsync($"p{i}", content)));

        Assert.All(created, c => Assert.True(c.IsSuccess));
        var file = created[0].Value.Package.Files.Single();
        var row = await store.Database.Views.GetBlobAsync(file.Sha256, CancellationToken.None);
        Assert.NotNull(row);
        Assert.Equal(8, row.RefCount);
        await using var snapshot = SqliteSnapshot.Open(store.Database.DatabasePath);
        Assert.Equal(0, (await snapshot.CompareViewsWithReplayAsync(20, CancellationToken.None)).DifferenceCount);
    }

    private static NewEvent Created(Guid id, string name)
    {
        var file = new PackageFile("f.txt", 6, Shared, new string('0', 64), "text/plain");
        var manifest = BlobDigest.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes("manifest of " + name)));
        var created = new PackageCreated(id, name, [], manifest, 1, new string('1', 64), [file]);
        return new NewEvent(EventTypes.PackageStream(id), EventTypes.PackageCreated, "tester", created.ToCbor());
    }

    private static NewEvent Deleted(Guid id)
    {
        var deleted = new PackageDeleted(id, "test", ExpiresAt: null, [Shared], BytesReleased: 6);
        return new NewEvent(EventTypes.PackageStream(id), EventTypes.PackageDeleted, "tester", deleted.ToCbor());
    }
}
