namespace ArtifactStore.Core.Packages;

/// <summary>A legal hold on a package.</summary>
public sealed record HoldView(string HoldId, string Reason, string Actor, DateTimeOffset AppliedAt);
