namespace ArtifactStore.Core.Packages;

/// <summary>What remains of a deleted package: when and why it was deleted and what that released.</summary>
public sealed record PackageTombstone(DateTimeOffset DeletedAt, string Reason, long BytesReleased);
