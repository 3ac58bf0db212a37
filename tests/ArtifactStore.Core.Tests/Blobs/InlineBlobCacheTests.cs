using System.Security.Cryptography;
using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Tests.Blobs;

/// <summary>The bounded, content-addressed memory of inline blobs' bytes that downloads read from (<see cref="InlineBlobCache"/>).</summary>
public sealed class InlineBlobCacheTests
{
    private const int BlobBytes = 4096;

    [Fact]
    public void a_held_blob_is_found_by_its_digest_and_others_are_not()
    {
        var cache = new InlineBlobCache(1024 * 1024);
        var (digest, bytes) = Blob(1);
        cache.Add(digest, bytes);

        Assert.Same(bytes, cache.Find(digest));
        Assert.Null(cache.Find(Blob(2).Digest));
        Assert.Equal(1, cache.Count);
        Assert.True(cache.Bytes >= BlobBytes);

        cache.Remove(digest);
        Assert.Null(cache.Find(digest));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void adding_past_the_size_limit_evicts_so_the_entries_never_cost_more_than_it()
    {
        // Room for about four blobs of 4 KiB with their overhead, not five.
        var capacity = 4 * (BlobBytes + 300);
        var cache = new InlineBlobCache(capacity);
        var blobs = Enumerable.Range(0, 20).Select(Blob).ToList();
        foreach (var (digest, bytes) in blobs)
        {
            cache.Add(digest, bytes);
            Assert.True(cache.Bytes <= capacity, $"{cache.Bytes} bytes held, limit {capacity}");
        }

        Assert.Equal(4, cache.Count);
        Assert.Equal(4, blobs.Count(b => cache.Find(b.Digest) is not null));
        Assert.NotNull(cache.Find(blobs[^1].Digest)); // the newest is always held
    }

    [Fact]
    public void a_blob_read_since_the_hand_last_passed_survives_an_eviction_that_takes_one_not_read()
    {
        var cache = new InlineBlobCache(3 * (BlobBytes + 300));
        var (a, b, c, d, e) = (Blob(1), Blob(2), Blob(3), Blob(4), Blob(5));
        cache.Add(a.Digest, a.Bytes);
        cache.Add(b.Digest, b.Bytes);
        cache.Add(c.Digest, c.Bytes);

        // Nothing was read: the hand takes the first it reaches.
        cache.Add(d.Digest, d.Bytes);
        Assert.Null(cache.Find(a.Digest));

        // b is read, c is not: c goes, b keeps its second chance.
        Assert.NotNull(cache.Find(b.Digest));
        cache.Add(e.Digest, e.Bytes);
        Assert.Null(cache.Find(c.Digest));
        Assert.NotNull(cache.Find(b.Digest));
        Assert.NotNull(cache.Find(d.Digest));
        Assert.NotNull(cache.Find(e.Digest));
    }

    [Fact]
    public void a_size_of_zero_holds_nothing_and_content_larger_than_the_cache_is_not_held()
    {
        var off = new InlineBlobCache(0);
        var (digest, bytes) = Blob(1);
        off.Add(digest, bytes);
        Assert.False(off.Enabled);
        Assert.Null(off.Find(digest));
        Assert.Equal(0, off.Count);

        var small = new InlineBlobCache(BlobBytes);
        small.Add(digest, bytes); // 4 KiB plus its overhead do not fit in 4 KiB
        Assert.Null(small.Find(digest));
        Assert.Equal(0, small.Bytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new InlineBlobCache(-1));
    }

    [Fact]
    public void concurrent_adds_finds_and_removes_keep_the_limit_and_the_accounting()
    {
        var capacity = 16 * (BlobBytes + 300);
        var cache = new InlineBlobCache(capacity);
        var blobs = Enumerable.Range(0, 64).Select(Blob).ToList();
        Parallel.For(0, 8, worker =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 5_000; i++)
            {
                var (digest, bytes) = blobs[random.Next(blobs.Count)];
                switch (random.Next(3))
                {
                    case 0:
                        cache.Add(digest, bytes);
                        break;
                    case 1:
                        if (cache.Find(digest) is { } found)
                        {
                            Assert.Same(bytes, found);
                        }

                        break;
                    default:
                        cache.Remove(digest);
                        break;
                }
            }
        });

        // Every blob costs the same: what one costs alone, times the number held.
        var single = new InlineBlobCache(capacity);
        single.Add(blobs[0].Digest, blobs[0].Bytes);
        Assert.True(cache.Bytes <= capacity);
        var held = blobs.Count(b => cache.Find(b.Digest) is not null);
        Assert.Equal(held, cache.Count);
        Assert.Equal(held * single.Bytes, cache.Bytes);
    }

    private static (BlobDigest Digest, byte[] Bytes) Blob(int seed)
    {
        var bytes = new byte[BlobBytes];
        new Random(seed).NextBytes(bytes);
        return (BlobDigest.FromBytes(SHA256.HashData(bytes)), bytes);
    }
}
