using ArtifactStore.Core.Jobs;

namespace ArtifactStore.Core.Tests.Jobs;

/// <summary>Which ended jobs' working directories may be emptied and kept for the next job (docs/jobs.md, "The worker pool").</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JobWorkspaceReuseTests : IDisposable
{
    private readonly string _jobs = Path.Combine(Path.GetTempPath(), "as-reuse-" + Guid.NewGuid().ToString("N"));
    private readonly JobWorkspace _workspace;

    public JobWorkspaceReuseTests()
    {
        _workspace = new JobWorkspace(_jobs, Guid.NewGuid());
        _workspace.Prepare();
    }

    [Fact]
    public void a_directory_as_prepared_is_emptied_down_to_its_five_directories()
    {
        File.WriteAllText(Path.Combine(_workspace.TempDirectory, "scratch"), "x");
        Directory.CreateDirectory(Path.Combine(_workspace.ArtifactsDirectory, "nested", "deeper"));
        File.WriteAllText(_workspace.ManifestPath, "{}");

        Assert.True(_workspace.TryClearForReuse());

        Assert.Equal(["artifacts", "home", "logs", "raw", "tmp"], Directory.GetFileSystemEntries(_workspace.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(_workspace.TempDirectory));
        Assert.Empty(Directory.GetFileSystemEntries(_workspace.ArtifactsDirectory));
    }

    [Theory]
    [InlineData("tmp", UnixFileMode.UserRead | UnixFileMode.UserExecute)]
    [InlineData("artifacts", (UnixFileMode)0x1FF)]
    [InlineData("", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)]
    public void a_directory_whose_mode_the_command_changed_is_not_kept_for_the_next_job(string directory, UnixFileMode mode)
    {
        var path = Path.Combine(_workspace.Directory, directory);
        Assert.NotEqual(mode, File.GetUnixFileMode(path));
        File.SetUnixFileMode(path, mode);

        Assert.False(_workspace.TryClearForReuse());
    }

    public void Dispose()
    {
        foreach (var directory in Directory.EnumerateDirectories(_jobs, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.Delete(_jobs, recursive: true);
    }
}
