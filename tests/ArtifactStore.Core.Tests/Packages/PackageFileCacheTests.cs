using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Core.Tests.Packages;

public sealed class PackageFileCacheTests
{
    [Fact]
    public void a_held_package_answers_its_files_by_exact_path_and_by_another_unicode_form()
    {
        var cache = new PackageFileCache(100);
        var package = Package(("caf\u00e9.txt", "a"), ("dir/b.bin", "b"));
        cache.Add(package, cache.Generation);

        var held = cache.Find(package.Id);
        Assert.NotNull(held);
        Assert.Equal(Digest("b"), held.Find("dir/b.bin")?.Sha256);
        Assert.Equal(Digest("a"), held.Find("cafe\u0301.txt")?.Sha256); // NFD asks for the NFC upload
        Assert.Null(held.Find("dir/missing.bin"));
        Assert.Null(cache.Find(Guid.NewGuid()));
    }

    [Fact]
    public void a_removal_drops_the_package_and_none_is_held_while_it_runs()
    {
        var cache = new PackageFileCache(100);
        var package = Package(("f", "x"));
        cache.Add(package, cache.Generation);

        cache.BeginRemoval([package.Id]);
        Assert.Null(cache.Find(package.Id));
        cache.Add(package, cache.Generation); // read from the database while the deletion's unit of work runs
        Assert.Null(cache.Find(package.Id));

        cache.EndRemoval([package.Id]);
        Assert.Null(cache.Find(package.Id));
    }

    [Fact]
    public void a_lookup_that_read_the_package_before_a_removal_cannot_hold_it_after_the_removal_ended()
    {
        var cache = new PackageFileCache(100);
        var package = Package(("f", "x"));
        var seen = cache.Generation; // the lookup reads the generation, then the database (still live)

        cache.BeginRemoval([package.Id]);
        cache.EndRemoval([package.Id]); // the deletion committed meanwhile

        cache.Add(package, seen);
        Assert.Null(cache.Find(package.Id));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void overlapping_removals_of_one_package_keep_it_out_until_the_last_one_ends()
    {
        var cache = new PackageFileCache(100);
        var package = Package(("f", "x"));
        cache.BeginRemoval([package.Id]);
        cache.BeginRemoval([package.Id]);
        cache.EndRemoval([package.Id]);

        cache.Add(package, cache.Generation);
        Assert.Null(cache.Find(package.Id));

        cache.EndRemoval([package.Id]);
        cache.Add(package, cache.Generation);
        Assert.NotNull(cache.Find(package.Id));
    }

    [Fact]
    public void the_cache_holds_at_most_its_bound_of_files_and_keeps_answering_what_it_holds()
    {
        var cache = new PackageFileCache(50);
        var packages = Enumerable.Range(0, 40).Select(i => Package(($"a{i}", $"a{i}"), ($"b{i}", $"b{i}"))).ToList();
        foreach (var package in packages)
        {
            cache.Add(package, cache.Generation);
        }

        Assert.InRange(cache.Count * 2, 2, 50);
        Assert.NotNull(cache.Find(packages[^1].Id)); // the newest is always held
        foreach (var package in packages.Where(p => cache.Find(p.Id) is not null))
        {
            Assert.Equal(package.Files, cache.Find(package.Id)!.Files);
        }
    }

    [Fact]
    public void a_cache_bounded_at_zero_holds_nothing_and_a_package_larger_than_the_bound_is_not_held()
    {
        var off = new PackageFileCache(0);
        var package = Package(("f", "x"));
        off.Add(package, off.Generation);
        Assert.False(off.Enabled);
        Assert.Null(off.Find(package.Id));

        var small = new PackageFileCache(2);
        var large = Package(("a", "a"), ("b", "b"), ("c", "c"));
        small.Add(large, small.Generation);
        Assert.Null(small.Find(large.Id));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PackageFileCache(-1));
    }

    private static PackageFiles Package(params (string Path, string Content)[] files) =>
        new(Guid.NewGuid(), [.. files.Select(f => new PackageFile(f.Path, f.Content.Length, Digest(f.Content), new string('0', 64), "text/plain"))]);

    private static BlobDigest Digest(string content) =>
        BlobDigest.FromBytes(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));
}
