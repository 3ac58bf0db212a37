using ArtifactStore.Core.Roots;

namespace ArtifactStore.Core.Tests.Roots;

public sealed class DataRootTests : IDisposable
{
    private readonly string _base = Path.Combine(Path.GetTempPath(), "as-root-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_base))
        {
            Directory.Delete(_base, recursive: true);
        }
    }

    [Fact]
    public void a_new_root_gets_its_layout_and_a_marker_bound_to_the_profile()
    {
        var path = Path.Combine(_base, "prod");
        using (var root = Open(path, "prod").Value)
        {
            Assert.Equal("prod", root.Profile);
            Assert.All(new[] { "db", "blobs", "tmp", "jobs" }, d => Assert.True(Directory.Exists(Path.Combine(path, d))));
            var marker = RootMarker.TryRead(Path.Combine(path, RootMarker.FileName), out _)!;
            Assert.Equal(DataRoot.CurrentLayoutVersion, marker.LayoutVersion);
            Assert.Equal(root.StoreId, marker.StoreId);
            Assert.Equal("test-revision", marker.LastOpenedBy);
        }

        using var again = Open(path, "prod").Value;
        Assert.Equal("prod", again.Profile);
    }

    [Fact]
    public void a_root_opened_with_another_profile_is_refused_with_the_remedy()
    {
        var path = Path.Combine(_base, "lane");
        Open(path, "prod").Value.Dispose();
        var opened = Open(path, "eval");
        Assert.Equal(RootErrorCodes.ProfileMismatch, opened.Error?.Code);
        Assert.Contains("--profile prod", opened.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_second_opener_is_refused_and_told_who_holds_the_root()
    {
        var path = Path.Combine(_base, "locked");
        using var first = Open(path, "dev").Value;
        var second = Open(path, "dev");
        Assert.Equal(RootErrorCodes.RootLocked, second.Error?.Code);
        Assert.Contains($"process {Environment.ProcessId}", second.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void the_lock_is_free_again_once_the_holder_closes_the_root()
    {
        var path = Path.Combine(_base, "released");
        Open(path, "dev").Value.Dispose();
        using var again = Open(path, "dev").Value;
        Assert.NotNull(again);
    }

    [Fact]
    public void a_root_inside_another_root_is_refused()
    {
        var outer = Path.Combine(_base, "outer");
        Open(outer, "dev").Value.Dispose();
        var inner = Open(Path.Combine(outer, "jobs", "inner"), "dev");
        Assert.Equal(RootErrorCodes.RootNested, inner.Error?.Code);
    }

    [Fact]
    public void a_directory_that_contains_a_root_is_refused()
    {
        var inner = Path.Combine(_base, "holder", "inner");
        Open(inner, "dev").Value.Dispose();
        var outer = Open(Path.Combine(_base, "holder"), "dev");
        Assert.NotNull(outer.Error);
        Assert.Contains(outer.Error!.Code, new[] { RootErrorCodes.RootNested, RootErrorCodes.RootInvalid });
    }

    [Fact]
    public void a_non_empty_directory_that_is_not_a_root_is_refused()
    {
        var path = Path.Combine(_base, "busy");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "notes.txt"), "mine");
        Assert.Equal(RootErrorCodes.RootInvalid, Open(path, "dev").Error?.Code);
    }

    [Fact]
    public void a_root_from_a_newer_layout_is_refused()
    {
        var path = Path.Combine(_base, "future");
        Open(path, "dev").Value.Dispose();
        var markerPath = Path.Combine(path, RootMarker.FileName);
        var marker = RootMarker.TryRead(markerPath, out _)! with { LayoutVersion = DataRoot.CurrentLayoutVersion + 1 };
        marker.WriteAtomically(path);
        Assert.Equal(RootErrorCodes.LayoutTooNew, Open(path, "dev").Error?.Code);
    }

    [Fact]
    public void leftovers_in_tmp_are_removed_when_the_root_opens()
    {
        var path = Path.Combine(_base, "tmpclean");
        Open(path, "dev").Value.Dispose();
        File.WriteAllText(Path.Combine(path, "tmp", "upload-half"), "partial");
        Directory.CreateDirectory(Path.Combine(path, "tmp", "dir"));
        using var root = Open(path, "dev").Value;
        Assert.Empty(Directory.EnumerateFileSystemEntries(root.TempDirectory));
    }

    [Fact]
    public void the_same_root_reached_through_a_symlink_is_the_same_locked_root()
    {
        var path = Path.Combine(_base, "real");
        using var first = Open(path, "dev").Value;
        var link = Path.Combine(_base, "link");
        Directory.CreateSymbolicLink(link, path);
        Assert.Equal(RootErrorCodes.RootLocked, Open(link, "dev").Error?.Code);
    }

    [Fact]
    public void invalid_profile_names_are_refused()
    {
        Assert.Equal(RootErrorCodes.ProfileInvalid, Open(Path.Combine(_base, "p"), "Prod!").Error?.Code);
    }

    [Fact]
    public void reopening_with_the_same_revision_leaves_the_marker_file_untouched_and_another_revision_rewrites_it()
    {
        var path = Path.Combine(_base, "reopened");
        var markerPath = Path.Combine(path, RootMarker.FileName);
        Open(path, "dev").Value.Dispose();
        var written = File.ReadAllBytes(markerPath);
        var writtenAt = new FileInfo(markerPath).LastWriteTimeUtc;
        var created = RootMarker.TryRead(markerPath, out _)!;

        // Later, by the same binary: nothing in the marker changes, so it is not rewritten (a rewrite
        // renames a new file into place, which a full disk would refuse).
        var later = new FixedTime(created.LastOpenedAt!.Value.AddHours(1));
        DataRoot.OpenOrCreate(path, "dev", "test-revision", later, Layouts.Embedded).Value.Dispose();
        Assert.Equal(written, File.ReadAllBytes(markerPath));
        Assert.Equal(writtenAt, new FileInfo(markerPath).LastWriteTimeUtc);

        // Another revision is recorded, with the time it first opened the root.
        DataRoot.OpenOrCreate(path, "dev", "next-revision", later, Layouts.Embedded).Value.Dispose();
        var reopened = RootMarker.TryRead(markerPath, out _)!;
        Assert.Equal("next-revision", reopened.LastOpenedBy);
        Assert.Equal(later.GetUtcNow(), reopened.LastOpenedAt);
        Assert.Equal(created.StoreId, reopened.StoreId);
        Assert.Equal(created.CreatedAt, reopened.CreatedAt);
        Assert.Equal([RootMarker.FileName], Directory.EnumerateFiles(path, RootMarker.FileName + "*").Select(Path.GetFileName));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static Core.Errors.Result<DataRoot> Open(string path, string profile) =>
        DataRoot.OpenOrCreate(path, profile, "test-revision", TimeProvider.System, Layouts.Embedded);
}
