namespace ArtifactStore.Core.Retention;

/// <summary>What a sweep marked eligible for deletion (or, in a dry run, would mark).</summary>
public sealed record SweepReport(DateTimeOffset AsOf, bool DryRun, IReadOnlyList<SweepItem> Eligible);
