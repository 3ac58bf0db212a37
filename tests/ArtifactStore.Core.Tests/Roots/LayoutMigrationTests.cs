using ArtifactStore.Core.Roots;

namespace ArtifactStore.Core.Tests.Roots;

/// <summary>
/// The layout migration runner with test steps (the released binary has none yet: layout 1 is the
/// first). A crash is simulated by a step that throws part-way; the real-process kill test is in the
/// end-to-end tests (LayoutMigrationCrashTests).
/// </summary>
public sealed class LayoutMigrationTests : IDisposable
{
    private readonly string _base = Path.Combine(Path.GetTempPath(), "as-layout-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_base))
        {
            Directory.Delete(_base, recursive: true);
        }
    }

    [Fact]
    public void an_older_root_is_migrated_step_by_step_and_its_marker_records_each_version()
    {
        var path = NewRootAtLayout1();
        var seen = new List<int>();
        var steps = new LayoutMigrations(3, [new FileLayoutStep(1, "two", seen, path), new FileLayoutStep(2, "three", seen, path)]);

        using (var root = Open(path, steps).Value)
        {
            Assert.Equal(3, root.Marker.LayoutVersion);
            Assert.Equal(["layout 1 → 2: writes two", "layout 2 → 3: writes three"], root.LayoutMigrationsApplied);
        }

        // Each step saw the marker still at its own starting version: the marker moves after the step.
        Assert.Equal([1, 2], seen);
        Assert.True(File.Exists(Path.Combine(path, "two")) && File.Exists(Path.Combine(path, "three")));
        Assert.Equal(3, Marker(path).LayoutVersion);

        using var again = Open(path, steps).Value;
        Assert.Empty(again.LayoutMigrationsApplied);
    }

    [Fact]
    public void a_crash_inside_a_step_leaves_the_marker_before_it_and_the_next_open_finishes_the_step()
    {
        var path = NewRootAtLayout1();
        var seen = new List<int>();
        var crashing = new LayoutMigrations(3, [new FileLayoutStep(1, "two", seen, path), new FileLayoutStep(2, "three", seen, path, crashAfterWriting: true)]);

        Assert.Throws<IOException>(() => Open(path, crashing));
        Assert.Equal(2, Marker(path).LayoutVersion);
        Assert.True(File.Exists(Path.Combine(path, "three")), "the crashed step got part of the way");
        Assert.False(RootLock.IsHeld(Path.Combine(path, "lock")));

        var healthy = new LayoutMigrations(3, [new FileLayoutStep(1, "two", seen, path), new FileLayoutStep(2, "three", seen, path)]);
        using var root = Open(path, healthy).Value;
        Assert.Equal(["layout 2 → 3: writes three"], root.LayoutMigrationsApplied);
        Assert.Equal(3, Marker(path).LayoutVersion);
    }

    [Fact]
    public void a_root_newer_than_the_binary_is_refused_naming_both_versions()
    {
        var path = NewRootAtLayout1();
        var marker = Marker(path);
        (marker with { LayoutVersion = 7 }).WriteAtomically(path);

        var opened = Open(path, LayoutMigrations.Released);
        Assert.Equal(RootErrorCodes.LayoutTooNew, opened.Error?.Code);
        Assert.Contains("layout version 7, newer than this binary supports (1)", opened.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(7, Marker(path).LayoutVersion);

        var inspected = DataRoot.Inspect(path, "dev", requireCurrent: false);
        Assert.Equal(RootErrorCodes.LayoutTooNew, inspected.Error?.Code);
    }

    [Fact]
    public void a_root_older_than_the_oldest_step_is_refused()
    {
        var path = NewRootAtLayout1();
        var steps = new LayoutMigrations(4, [new FileLayoutStep(2, "three", [], path), new FileLayoutStep(3, "four", [], path)]);
        var opened = Open(path, steps);
        Assert.Equal(RootErrorCodes.LayoutTooOld, opened.Error?.Code);
        Assert.Contains("migrates layouts 2 to 4 only", opened.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void inspecting_an_unmigrated_root_for_a_read_only_check_asks_for_migrate()
    {
        var path = NewRootAtLayout1();
        var steps = new LayoutMigrations(2, [new FileLayoutStep(1, "two", [], path)]);
        var inspected = DataRoot.Inspect(path, "dev", requireCurrent: true, steps);
        Assert.Equal(RootErrorCodes.LayoutNotMigrated, inspected.Error?.Code);
        Assert.Contains("artifactstore migrate", inspected.Error!.Message, StringComparison.Ordinal);
        Assert.True(DataRoot.Inspect(path, "dev", requireCurrent: false, steps).IsSuccess);
    }

    [Fact]
    public void steps_that_skip_a_version_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LayoutMigrations(3, [new FileLayoutStep(1, "two", [], _base)]));
    }

    private string NewRootAtLayout1()
    {
        var path = Path.Combine(_base, Guid.NewGuid().ToString("N"));
        DataRoot.OpenOrCreate(path, "dev", "test", TimeProvider.System, Layouts.Embedded).Value.Dispose();
        return path;
    }

    private static Core.Errors.Result<DataRoot> Open(string path, LayoutMigrations migrations) =>
        DataRoot.OpenOrCreate(path, "dev", "test", TimeProvider.System, Layouts.Embedded, migrations);

    internal static RootMarker Marker(string path) => RootMarker.TryRead(Path.Combine(path, RootMarker.FileName), out _)!;
}
