namespace ArtifactStore.Core.Retention;

/// <summary>What a sweep marked eligible for deletion (or, in a dry run, would mark), and the jobs it expired.</summary>
public sealed record SweepReport(DateTimeOffset AsOf, bool DryRun, IReadOnlyList<SweepItem> Eligible)
{
    /// <summary>Finished, unpinned jobs whose record's retention ended (marked <c>expired</c>, or to be in a dry run).</summary>
    public IReadOnlyList<Guid> ExpiredJobs { get; init; } = [];
}
