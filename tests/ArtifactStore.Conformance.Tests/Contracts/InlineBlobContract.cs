using System.Security.Cryptography;
using System.Text;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Verification;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// Small blobs kept inline in the database (docs/upload.md, "Small blobs"): written by the unit of work that
/// references them, deduplicated against both placements, collected by the GC protocol (resurrection included),
/// verified on every read, and checked by fsck. Large content keeps going to the backend's blob store.
/// </summary>
public abstract class InlineBlobContract(StoreBackendFixture fixture)
{
    private const string Small = "a small file, kept inline";

    [Fact]
    public async Task a_small_file_and_its_manifest_go_inline_and_read_back_verified()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var created = (await store.CreateAsync("small", new Dictionary<string, string> { ["a.txt"] = Small })).Value.Package;
            var file = Assert.Single(created.Files);
            foreach (var digest in new[] { file.Sha256, created.ManifestDigest })
            {
                Assert.NotNull(await store.Database.Views.GetInlineBlobAsync(digest, CancellationToken.None));
                Assert.Null(await Inner(store).StatAsync(digest, CancellationToken.None)); // no file, no object
                Assert.Equal(BlobState.Live, (await store.Database.Views.GetBlobAsync(digest, CancellationToken.None))!.State);
            }

            Assert.Equal(Small, await ReadAsync(store, file.Sha256, file.Size));
            Assert.Equal(0, await store.CountStagedAsync());
            var listed = await store.Blobs.ListAsync(CancellationToken.None).ToListAsync();
            Assert.Contains(file.Sha256, listed);
            Assert.Contains(created.ManifestDigest, listed);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task content_over_the_threshold_goes_to_the_blob_store_not_inline()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var large = new string('L', (int)InlineBlobStore.DefaultMaxInlineBytes + 1);
            var exactly = new string('E', (int)InlineBlobStore.DefaultMaxInlineBytes);
            var created = (await store.CreateAsync("sizes", new Dictionary<string, string> { ["large"] = large, ["exactly"] = exactly })).Value.Package;
            var largeFile = created.Files.Single(f => f.Path == "large");
            var exactFile = created.Files.Single(f => f.Path == "exactly");

            Assert.Null(await store.Database.Views.GetInlineBlobAsync(largeFile.Sha256, CancellationToken.None));
            Assert.NotNull(await Inner(store).StatAsync(largeFile.Sha256, CancellationToken.None));
            Assert.NotNull(await store.Database.Views.GetInlineBlobAsync(exactFile.Sha256, CancellationToken.None));
            Assert.Null(await Inner(store).StatAsync(exactFile.Sha256, CancellationToken.None));
            Assert.Equal(large, await ReadAsync(store, largeFile.Sha256, largeFile.Size));
            Assert.Equal(exactly, await ReadAsync(store, exactFile.Sha256, exactFile.Size));

            // The backend's own store keeps nothing in the database: it answers itself, and stages even a small
            // package file as a file or object.
            var outside = Inner(store);
            Assert.Same(outside, outside.OutsideTheDatabase);
            var listed = await outside.ListAsync(CancellationToken.None).ToListAsync();
            Assert.Contains(largeFile.Sha256, listed);
            Assert.DoesNotContain(exactFile.Sha256, listed);
            var staged = (await outside.StageForPackageAsync(new MemoryStream(Encoding.UTF8.GetBytes(Small)), long.MaxValue, CancellationToken.None)).Value;
            Assert.Null(staged.InlineBytes);
            Assert.Equal(1, await store.CountStagedAsync());
            await outside.DiscardAsync(staged, CancellationToken.None);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_same_small_content_is_stored_once_and_a_blob_already_in_the_blob_store_is_not_copied_inline()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var first = (await store.CreateAsync("first", new Dictionary<string, string> { ["a.txt"] = Small })).Value.Package;
            var second = (await store.CreateAsync("second", new Dictionary<string, string> { ["b.txt"] = Small, ["c.txt"] = Small })).Value.Package;
            var digest = Assert.Single(first.Files).Sha256;
            Assert.Equal(2, (await store.Database.Views.GetBlobAsync(digest, CancellationToken.None))!.RefCount);
            Assert.Equal(1, (await store.Blobs.ListAsync(CancellationToken.None).ToListAsync()).Count(d => d == digest));
            Assert.All(second.Files, f => Assert.Equal(digest, f.Sha256));

            // Bytes put in the blob store before inline placement existed (or by an upload session) stay the only copy.
            var old = Encoding.UTF8.GetBytes("stored as a file by an older version");
            var staged = (await Inner(store).StageAsync(new MemoryStream(old), long.MaxValue, CancellationToken.None)).Value;
            await Inner(store).PutAsync(staged, CancellationToken.None);
            await Inner(store).DiscardAsync(staged, CancellationToken.None);
            var third = (await store.CreateAsync("third", new Dictionary<string, string> { ["old.txt"] = "stored as a file by an older version" })).Value.Package;
            Assert.Equal(staged.Digest, Assert.Single(third.Files).Sha256);
            Assert.Null(await store.Database.Views.GetInlineBlobAsync(staged.Digest, CancellationToken.None));
            Assert.Equal("stored as a file by an older version", await ReadAsync(store, staged.Digest, old.Length));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_whole_read_finds_a_blob_in_either_placement_and_reports_its_true_length()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var large = new string('L', (int)InlineBlobStore.DefaultMaxInlineBytes + 1);
            var created = (await store.CreateAsync("whole", new Dictionary<string, string> { ["small"] = Small, ["large"] = large })).Value.Package;
            var old = Encoding.UTF8.GetBytes("a small blob kept as a file");
            var staged = (await Inner(store).StageAsync(new MemoryStream(old), long.MaxValue, CancellationToken.None)).Value;
            await Inner(store).PutAsync(staged, CancellationToken.None);
            await Inner(store).DiscardAsync(staged, CancellationToken.None);

            var cases = new[]
            {
                (created.Files.Single(f => f.Path == "small").Sha256, Encoding.UTF8.GetBytes(Small)), // inline
                (created.Files.Single(f => f.Path == "large").Sha256, Encoding.UTF8.GetBytes(large)), // over the threshold: a file or object
                (staged.Digest, old),                                                                  // small, but a file or object
            };
            foreach (var (digest, bytes) in cases)
            {
                // One byte more than the blob, as downloads ask: the count proves the length.
                var buffer = new byte[bytes.Length + 1];
                Assert.Equal(bytes.Length, await store.Blobs.ReadAsync(digest, buffer, CancellationToken.None));
                Assert.Equal(bytes, buffer[..bytes.Length]);

                // A recorded length one short of the truth is caught: the buffer fills.
                Assert.Equal(bytes.Length, await store.Blobs.ReadAsync(digest, new byte[bytes.Length], CancellationToken.None));

                var verified = await store.BlobReader.ReadSmallAsync(digest, null, bytes.Length, CancellationToken.None);
                Assert.True(verified.IsSuccess, verified.IsSuccess ? null : verified.Error.Message);
                using var blob = verified.Value;
                Assert.Equal(bytes, blob.Bytes.ToArray());
            }

            var unknown = BlobDigest.FromBytes(SHA256.HashData("never stored"u8));
            Assert.Equal(-1, await store.Blobs.ReadAsync(unknown, new byte[16], CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_unit_of_work_that_fails_keeps_none_of_the_inline_bytes_it_wrote()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var bytes = Encoding.UTF8.GetBytes("written by a unit that then fails");
            var blob = new StagedBlob(BlobDigest.FromBytes(SHA256.HashData(bytes)), new string('0', 64), bytes.Length, string.Empty) { InlineBytes = bytes };
            var result = await store.Database.WriteAsync<bool>(async (writer, ct) =>
            {
                await writer.PutInlineBlobAsync(blob, ct);
                return new StoreError("test_failure", "the unit gives up after writing");
            }, CancellationToken.None);

            Assert.False(result.IsSuccess);
            Assert.Null(await store.Database.Views.GetInlineBlobAsync(blob.Digest, CancellationToken.None));
            Assert.Null(await store.Blobs.StatAsync(blob.Digest, CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task gc_removes_the_inline_bytes_of_a_blob_no_package_references_and_counts_them_freed()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var expiring = (await store.CreateAsync("expiring", new Dictionary<string, string> { ["a.txt"] = Small }, retentionClass: "short")).Value.Package;
            var file = Assert.Single(expiring.Files);
            store.Time.Advance(TimeSpan.FromMinutes(2));
            Assert.Single((await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", CancellationToken.None)).Value.Eligible);

            var report = (await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;

            var reaped = Assert.Single(report.BlobsReaped, b => b.Digest == file.Sha256);
            Assert.Equal(file.Size, reaped.Bytes);
            Assert.Contains(report.BlobsReaped, b => b.Digest == expiring.ManifestDigest);
            foreach (var digest in new[] { file.Sha256, expiring.ManifestDigest })
            {
                Assert.Null(await store.Database.Views.GetInlineBlobAsync(digest, CancellationToken.None));
                Assert.Null(await store.Database.Views.GetBlobAsync(digest, CancellationToken.None));
                Assert.Null(await store.Blobs.StatAsync(digest, CancellationToken.None));
            }

            Assert.Empty(await store.Blobs.ListAsync(CancellationToken.None).ToListAsync());
            await store.AssertViewsMatchReplayAsync();

            // Written afresh by the next upload that needs it.
            var again = (await store.CreateAsync("again", new Dictionary<string, string> { ["a.txt"] = Small })).Value.Package;
            Assert.Equal(Small, await ReadAsync(store, file.Sha256, file.Size));
            Assert.Equal(again.Files[0].Sha256, file.Sha256);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_inline_blob_condemned_then_uploaded_again_is_resurrected_and_survives_the_reaper()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var expiring = (await store.CreateAsync("expiring", new Dictionary<string, string> { ["a.txt"] = Small }, retentionClass: "short")).Value.Package;
            var digest = Assert.Single(expiring.Files).Sha256;
            store.Time.Advance(TimeSpan.FromMinutes(2));
            await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", CancellationToken.None);
            await store.Collector(TimeSpan.FromDays(1)).RunAsync(dryRun: false, "gc", CancellationToken.None);
            Assert.Equal(BlobState.Condemned, (await store.Database.Views.GetBlobAsync(digest, CancellationToken.None))!.State);
            var storedAt = (await store.Database.Views.GetInlineBlobAsync(digest, CancellationToken.None))!.StoredAt;

            store.Time.Advance(TimeSpan.FromMinutes(1));
            var fresh = (await store.CreateAsync("fresh", new Dictionary<string, string> { ["a.txt"] = Small })).Value.Package;
            var report = (await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;

            Assert.DoesNotContain(report.BlobsReaped, b => b.Digest == digest);
            var row = (await store.Database.Views.GetBlobAsync(digest, CancellationToken.None))!;
            Assert.Equal(BlobState.Live, row.State);
            Assert.Equal(1, row.RefCount);

            // Resurrected, not written again: the same inline bytes.
            Assert.Equal(storedAt, (await store.Database.Views.GetInlineBlobAsync(digest, CancellationToken.None))!.StoredAt);
            Assert.Equal(Small, await ReadAsync(store, fresh.Files[0].Sha256, fresh.Files[0].Size));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_flipped_bit_in_an_inline_blob_is_refused_on_read_and_found_by_fsck()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var created = (await store.CreateAsync("damaged", new Dictionary<string, string> { ["a.txt"] = Small, ["b.txt"] = "an intact neighbour" })).Value.Package;
            var damaged = created.Files.Single(f => f.Path == "a.txt");
            await store.Backend.CorruptBlobAsync(damaged.Sha256, 3, CancellationToken.None);

            var opened = await store.BlobReader.OpenAsync(damaged.Sha256, damaged.Size, needRandomAccess: false, CancellationToken.None);
            Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
            var neighbour = created.Files.Single(f => f.Path == "b.txt");
            Assert.Equal("an intact neighbour", await ReadAsync(store, neighbour.Sha256, neighbour.Size));

            await using var snapshot = await store.Backend.OpenSnapshotAsync(CancellationToken.None);
            var checker = new StoreChecker(new InlineBlobStore(Inner(store), snapshot), store.Time, TimeSpan.FromHours(1));
            var report = await checker.CheckAsync(snapshot, CancellationToken.None);
            var finding = Assert.Single(report.Findings);
            Assert.Equal(FsckFindingKind.CorruptBlob, finding.Kind);
            Assert.Equal(damaged.Sha256, finding.Blob);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task inline_blobs_survive_a_restart()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var created = (await store.CreateAsync("kept", new Dictionary<string, string> { ["a.txt"] = Small })).Value.Package;
            store = await store.ReopenAsync();
            var file = Assert.Single(created.Files);
            Assert.Equal(Small, await ReadAsync(store, file.Sha256, file.Size));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_cached_inline_blob_is_verified_on_every_read_and_a_corrupted_copy_is_refused_then_dropped()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var file = Assert.Single((await store.CreateAsync("cached", new Dictionary<string, string> { ["a.txt"] = Small })).Value.Package.Files);
            var (cache, blobs) = Cached(store);
            var reader = new BlobReader(blobs);
            Assert.Equal(Small, await ReadSmallAsync(reader, file.Sha256, file.Size));
            var held = cache.Find(file.Sha256);
            Assert.NotNull(held);

            // The copy in memory goes bad: the read refuses it (nothing served as good) and drops it.
            held[3] ^= 1;
            var refused = await reader.ReadSmallAsync(file.Sha256, null, file.Size, CancellationToken.None);
            Assert.Equal(ErrorCodes.BlobCorrupt, refused.Error?.Code);
            Assert.Null(cache.Find(file.Sha256));

            // The next read goes to the database, whose bytes are intact, and holds them again.
            Assert.Equal(Small, await ReadSmallAsync(reader, file.Sha256, file.Size));
            Assert.NotNull(cache.Find(file.Sha256));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task with_good_bytes_cached_a_download_serves_them_verified_while_fsck_and_stream_reads_still_see_the_damaged_row()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var file = Assert.Single((await store.CreateAsync("rot", new Dictionary<string, string> { ["a.txt"] = Small })).Value.Package.Files);
            var (cache, blobs) = Cached(store);
            var reader = new BlobReader(blobs);
            Assert.Equal(Small, await ReadSmallAsync(reader, file.Sha256, file.Size));
            await store.Backend.CorruptBlobAsync(file.Sha256, 3, CancellationToken.None);

            // Whole reads are answered from memory: the bytes there hash to the digest, so they are the stored content.
            Assert.Equal(Small, await ReadSmallAsync(reader, file.Sha256, file.Size));

            // Everything else reads the database: a stream read refuses the row, fsck names it.
            var opened = await reader.OpenAsync(file.Sha256, file.Size, needRandomAccess: false, CancellationToken.None);
            Assert.Equal(ErrorCodes.BlobCorrupt, opened.Error?.Code);
            await using var snapshot = await store.Backend.OpenSnapshotAsync(CancellationToken.None);
            var report = await new StoreChecker(new InlineBlobStore(Inner(store), snapshot), store.Time, TimeSpan.FromHours(1)).CheckAsync(snapshot, CancellationToken.None);
            Assert.Equal(file.Sha256, Assert.Single(report.Findings, f => f.Kind == FsckFindingKind.CorruptBlob).Blob);

            // That refusal dropped the copy too: from now on downloads see the damage as well.
            Assert.Null(cache.Find(file.Sha256));
            Assert.Equal(ErrorCodes.BlobCorrupt, (await reader.ReadSmallAsync(file.Sha256, null, file.Size, CancellationToken.None)).Error?.Code);

            // Off (0), nothing is held: every read sees the database.
            var (off, uncached) = Cached(store, capacityBytes: 0);
            Assert.Equal(ErrorCodes.BlobCorrupt, (await new BlobReader(uncached).ReadSmallAsync(file.Sha256, null, file.Size, CancellationToken.None)).Error?.Code);
            Assert.Equal(0, off.Count);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task gc_drops_the_cached_copy_of_a_blob_it_deletes_so_it_is_never_read_again()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var expiring = (await store.CreateAsync("expiring", new Dictionary<string, string> { ["a.txt"] = Small }, retentionClass: "short")).Value.Package;
            var file = Assert.Single(expiring.Files);
            var (cache, blobs) = Cached(store);
            var reader = new BlobReader(blobs);
            Assert.Equal(Small, await ReadSmallAsync(reader, file.Sha256, file.Size));
            Assert.NotNull(cache.Find(file.Sha256));
            Assert.True((await store.Packages.FindFileAsync(expiring.Id, "a.txt", CancellationToken.None)).IsSuccess); // the download's lookup, now held too

            store.Time.Advance(TimeSpan.FromMinutes(2));
            await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", CancellationToken.None);
            using var collector = new GarbageCollector(store.Database, blobs, store.Time, store.Options.Gc with { BlobGracePeriod = TimeSpan.Zero },
                store.Hooks, fileLookups: store.FileLookups);
            var report = (await collector.RunAsync(dryRun: false, "gc", CancellationToken.None)).Value;

            Assert.Contains(report.BlobsReaped, b => b.Digest == file.Sha256);
            Assert.Null(cache.Find(file.Sha256));
            Assert.Equal(-1, await blobs.ReadAsync(file.Sha256, new byte[file.Size + 1], CancellationToken.None));
            // A download asks for the package's file first, and that answers before any blob is read.
            Assert.Equal(ErrorCodes.PackageExpired, (await store.Packages.FindFileAsync(expiring.Id, "a.txt", CancellationToken.None)).Error?.Code);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>The store's blobs as the server composes them: inline placement with a cache of inline bytes for whole reads.</summary>
    private static (InlineBlobCache Cache, InlineBlobStore Blobs) Cached(TestStore store, long capacityBytes = 1024 * 1024)
    {
        var cache = new InlineBlobCache(capacityBytes);
        return (cache, new InlineBlobStore(Inner(store), store.Database.Views, InlineBlobStore.DefaultMaxInlineBytes, cache));
    }

    private static async Task<string> ReadSmallAsync(BlobReader reader, BlobDigest digest, long size)
    {
        var read = await reader.ReadSmallAsync(digest, null, size, CancellationToken.None);
        Assert.True(read.IsSuccess, read.IsSuccess ? null : read.Error.Message);
        using var blob = read.Value;
        return Encoding.UTF8.GetString(blob.Bytes.Span);
    }

    private static IBlobStore Inner(TestStore store) => store.Blobs.OutsideTheDatabase;

    private static async Task<string> ReadAsync(TestStore store, BlobDigest digest, long size)
    {
        var opened = await store.BlobReader.OpenAsync(digest, size, needRandomAccess: false, CancellationToken.None);
        Assert.True(opened.IsSuccess, opened.IsSuccess ? null : opened.Error.Message);
        await using var blob = opened.Value;
        using var text = new StreamReader(blob.Stream);
        return await text.ReadToEndAsync();
    }
}
