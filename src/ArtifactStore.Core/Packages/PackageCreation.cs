namespace ArtifactStore.Core.Packages;

/// <summary>A created package; <see cref="Replayed"/> when it was created earlier under the same Idempotency-Key.</summary>
public sealed record PackageCreation(PackageView Package, bool Replayed);
