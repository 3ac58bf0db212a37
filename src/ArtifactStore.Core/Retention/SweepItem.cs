namespace ArtifactStore.Core.Retention;

/// <summary>One package a sweep marks eligible.</summary>
public sealed record SweepItem(Guid PackageId, string Name, DateTimeOffset? ExpiresAt);
