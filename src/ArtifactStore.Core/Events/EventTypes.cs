namespace ArtifactStore.Core.Events;

/// <summary>Event type names. Versioned: a changed payload shape gets a new name, old ones stay readable.</summary>
public static class EventTypes
{
    public const string PackageCreated = "v1.package.created";
    public const string RetentionDefaultApplied = "v1.retention.default_applied";
    public const string RetentionExtended = "v1.retention.extended";
    public const string HoldApplied = "v1.retention.hold_applied";
    public const string HoldReleased = "v1.retention.hold_released";
    public const string Pinned = "v1.retention.pinned";
    public const string Unpinned = "v1.retention.unpinned";
    public const string DeletionEligible = "v1.retention.deletion_eligible";
    public const string DeletionIneligible = "v1.retention.deletion_ineligible";
    public const string PackageDeleted = "v1.package.deleted";
    public const string TombstonePurged = "v1.package.tombstone_purged";
    public const string BlobReaped = "v1.blob.reaped";
    public const string BlobRevived = "v1.blob.revived";
    public const string TokenCreated = "v1.token.created";
    public const string TokenRevoked = "v1.token.revoked";
    public const string JobSubmitted = "v1.job.submitted";
    public const string JobStarted = "v1.job.started";
    public const string JobSucceeded = "v1.job.succeeded";
    public const string JobFailed = "v1.job.failed";
    public const string JobRequeued = "v1.job.requeued";
    public const string JobCanceled = "v1.job.canceled";
    public const string JobPinned = "v1.job.pinned";
    public const string JobUnpinned = "v1.job.unpinned";
    public const string JobExpired = "v1.job.expired";
    public const string JobTombstonePurged = "v1.job.tombstone_purged";
    public const string StoreRestored = "v1.store.restored";

    public const string SystemStream = "system";

    public static string PackageStream(Guid packageId) => $"package:{packageId}";

    public static string JobStream(Guid jobId) => $"job:{jobId}";
}
