using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Tests.Jobs;

/// <summary>The process-group record a job's working directory keeps for recovery after a crash (docs/jobs.md).</summary>
public sealed class ProcessGroupRecordTests : IDisposable
{
    private readonly string _jobs = Path.Combine(Path.GetTempPath(), "as-pgroup-" + Guid.NewGuid().ToString("N"));
    private readonly JobWorkspace _workspace;

    public ProcessGroupRecordTests()
    {
        _workspace = new JobWorkspace(_jobs, Guid.NewGuid());
        _workspace.Prepare();
    }

    [Fact]
    public void a_recorded_group_reads_back_until_it_is_forgotten()
    {
        Assert.Null(_workspace.RecordedProcessGroup());
        _workspace.RecordProcessGroup(4242);
        Assert.Equal(4242, _workspace.RecordedProcessGroup());

        _workspace.ForgetProcessGroup();
        Assert.Null(_workspace.RecordedProcessGroup());
        Assert.False(File.Exists(_workspace.ProcessGroupPath));
    }

    [Theory]
    [InlineData("4242 another-boot\n")]
    [InlineData("4242\n")]
    [InlineData("1 {boot}\n")]
    [InlineData("-5 {boot}\n")]
    [InlineData("garbage {boot}\n")]
    [InlineData("")]
    public void a_record_from_another_boot_or_not_naming_a_group_names_nothing(string content)
    {
        Assert.NotEqual(string.Empty, ProcessGroups.BootId);
        File.WriteAllText(_workspace.ProcessGroupPath, content.Replace("{boot}", ProcessGroups.BootId, StringComparison.Ordinal));
        Assert.Null(_workspace.RecordedProcessGroup());
    }

    [Fact]
    public void the_record_carries_this_boot()
    {
        _workspace.RecordProcessGroup(77);
        Assert.Equal($"77 {ProcessGroups.BootId}\n", File.ReadAllText(_workspace.ProcessGroupPath));
    }

    public void Dispose() => Directory.Delete(_jobs, recursive: true);
}
