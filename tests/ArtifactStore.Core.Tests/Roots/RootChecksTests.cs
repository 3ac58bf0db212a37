using ArtifactStore.Core.Health;
using ArtifactStore.Core.Roots;

namespace ArtifactStore.Core.Tests.Roots;

public sealed class RootChecksTests : IDisposable
{
    private readonly string _base = Path.Combine(Path.GetTempPath(), "as-checks-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_base))
        {
            Directory.Delete(_base, recursive: true);
        }
    }

    [Fact]
    public void a_freshly_opened_root_passes_every_root_check()
    {
        using var root = Open("fresh");
        Assert.True(RootChecks.Marker(root.Path, "dev", root.StoreId).IsOk);
        Assert.True(RootChecks.Layout(root.Path).IsOk);
        Assert.True(RootChecks.Lock(root.Lock).IsOk);
        Assert.True(RootChecks.Lanes(root.Path, Layouts.Embedded).IsOk);
        var permissions = RootChecks.Permissions(root.Path, Layouts.Embedded);
        Assert.True(permissions.IsOk, permissions.Problem);
        Assert.True(RootChecks.FreeSpace(root.Path, 0, "Readiness:MinFreeSpace").IsOk);
    }

    [Fact]
    public void the_lock_check_fails_when_the_lock_file_is_moved_and_passes_when_it_is_back()
    {
        using var root = Open("moved");
        File.Move(root.LockPath, root.LockPath + ".aside");
        Assert.Contains("is gone", RootChecks.Lock(root.Lock).Problem, StringComparison.Ordinal);
        File.Move(root.LockPath + ".aside", root.LockPath);
        Assert.True(RootChecks.Lock(root.Lock).IsOk);
    }

    [Fact]
    public void the_lock_check_fails_once_the_lock_is_released()
    {
        var root = Open("released");
        root.Dispose();
        Assert.Equal(HealthCheckNames.Lock, RootChecks.Lock(root.Lock).Name);
        Assert.Contains("released", RootChecks.Lock(root.Lock).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void free_space_below_the_threshold_names_the_setting_in_problem_and_remedy()
    {
        using var root = Open("space");
        var check = RootChecks.FreeSpace(root.Path, long.MaxValue, "Readiness:MinFreeSpace");
        Assert.False(check.IsOk);
        Assert.Contains("below Readiness:MinFreeSpace", check.Problem, StringComparison.Ordinal);
        Assert.Contains("lower Readiness:MinFreeSpace", check.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void a_missing_marker_fails_the_marker_and_layout_checks_with_a_remedy()
    {
        var path = Path.Combine(_base, "bare");
        Directory.CreateDirectory(path);
        var marker = RootChecks.Marker(path, "dev", null);
        Assert.Contains("is missing", marker.Problem, StringComparison.Ordinal);
        Assert.Contains("backup", marker.Remedy, StringComparison.Ordinal);
        Assert.False(RootChecks.Layout(path).IsOk);
    }

    [Fact]
    public void the_lock_file_describes_the_holders_lane_and_path()
    {
        using var root = Open("described");
        root.DescribeHolder("http://127.0.0.1:1234");
        var holder = RootLock.ReadHolder(root.LockPath)!;
        Assert.Equal(new LockHolder(Environment.ProcessId, "http://127.0.0.1:1234", "dev", root.StoreId, root.Path), holder);
        Assert.Equal(holder, LockHolder.Parse(holder.Format()));
    }

    private DataRoot Open(string name) =>
        DataRoot.OpenOrCreate(Path.Combine(_base, name), "dev", "test-revision", TimeProvider.System, Layouts.Embedded).Value;
}
