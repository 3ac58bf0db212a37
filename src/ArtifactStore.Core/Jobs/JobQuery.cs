namespace ArtifactStore.Core.Jobs;

/// <summary>Filters and paging for listing jobs, newest first. <see cref="Before"/> is the cursor.</summary>
public sealed record JobQuery(JobState? State, string? Type, Guid? Before, int Limit);
