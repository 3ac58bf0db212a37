namespace ArtifactStore.Core.Events;

/// <summary>Event type names. Versioned: a changed payload shape gets a new name, old ones stay readable.</summary>
public static class EventTypes
{
    public const string PackageCreated = "v1.package.created";
    public const string RetentionDefaultApplied = "v1.retention.default_applied";

    public static string PackageStream(Guid packageId) => $"package:{packageId}";
}
