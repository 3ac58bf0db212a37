using ArtifactStore.Core.Jobs;

namespace ArtifactStore.Core.Tests.Jobs;

public sealed class JobKeepsPackagesTests
{
    [Theory]
    [InlineData(JobState.Queued, false, true)]
    [InlineData(JobState.Running, false, true)]
    [InlineData(JobState.Succeeded, false, false)]
    [InlineData(JobState.Failed, false, false)]
    [InlineData(JobState.Canceled, false, false)]
    [InlineData(JobState.Succeeded, true, true)]
    [InlineData(JobState.Expired, false, false)]
    public void a_job_keeps_its_packages_while_pinned_or_not_finished(JobState state, bool pinned, bool keeps)
    {
        var now = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
        var job = new JobView(Guid.NewGuid(), "t", state, 1, 3, "{}", now, "me", null, null, Guid.NewGuid(), null, null, null, null, pinned, now, null, null, "default");
        Assert.Equal(keeps, job.KeepsItsPackages);
    }
}
