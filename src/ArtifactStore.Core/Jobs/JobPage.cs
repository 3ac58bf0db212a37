namespace ArtifactStore.Core.Jobs;

/// <summary>One page of a job listing; <see cref="Next"/> is the cursor for the next page, null at the end.</summary>
public sealed record JobPage(IReadOnlyList<JobView> Items, Guid? Next);
