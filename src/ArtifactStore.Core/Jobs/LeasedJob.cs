namespace ArtifactStore.Core.Jobs;

/// <summary>A job this process has just leased, with the number of the attempt the lease is for.</summary>
internal sealed record LeasedJob(JobView Job, int Attempt);
