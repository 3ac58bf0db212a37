namespace ArtifactStore.Core.Packages;

/// <summary>Filters and paging for listing packages. <see cref="Before"/> is the cursor: only ids older than it.</summary>
public sealed record PackageQuery(
    string? Name,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    PackageState State,
    Guid? Before,
    int Limit);
