namespace ArtifactStore.Core.Packages;

/// <summary>One page of a package listing; <see cref="Next"/> is the cursor for the next page, null at the end.</summary>
public sealed record PackagePage(IReadOnlyList<PackageView> Items, Guid? Next);
