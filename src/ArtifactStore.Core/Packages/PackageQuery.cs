namespace ArtifactStore.Core.Packages;

/// <summary>Filters and paging for listing packages. <see cref="Before"/> is the cursor: only ids older than it.</summary>
public sealed record PackageQuery(
    string? Name,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    PackageState State,
    Guid? Before,
    int Limit)
{
    /// <summary>Only packages whose name starts with this text (the dashboard's search; <see cref="Name"/> is exact).</summary>
    public string? NamePrefix { get; init; }

    /// <summary>Only packages of this retention class.</summary>
    public string? RetentionClass { get; init; }

    /// <summary>Only live packages the sweeper has marked eligible for deletion.</summary>
    public bool EligibleOnly { get; init; }
}
