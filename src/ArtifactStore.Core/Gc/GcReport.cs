namespace ArtifactStore.Core.Gc;

/// <summary>
/// What a GC run did — or, for a dry run, would do. <see cref="BytesFreed"/> is measured from the bytes
/// actually deleted (the planned sizes on disk for a dry run), never estimated from records.
/// </summary>
public sealed record GcReport(
    DateTimeOffset StartedAt,
    bool DryRun,
    IReadOnlyList<GcPackage> PackagesDeleted,
    IReadOnlyList<GcBlob> BlobsReaped,
    IReadOnlyList<GcBlob> OrphansRemoved,
    IReadOnlyList<Guid> TombstonesPurged)
{
    /// <summary>Job tombstones removed after <c>Tombstones:Retention</c> (their ids answer <c>job_not_found</c> afterwards).</summary>
    public IReadOnlyList<Guid> JobTombstonesPurged { get; init; } = [];

    /// <summary>Incomplete uploads a crash left in the blob store (S3 multipart uploads), aborted after the grace period.</summary>
    public int UploadsAborted { get; init; }

    /// <summary>Upload sessions removed because <c>Uploads:SessionTimeout</c> passed since their last chunk, with the bytes they held.</summary>
    public IReadOnlyList<GcUpload> UploadsExpired { get; init; } = [];

    /// <summary>Completed idempotency records purged because their window (<c>Idempotency:Window</c>) and the purge margin passed.</summary>
    public long IdempotencyRecordsPurged { get; init; }

    public long BytesFreed => BlobsReaped.Sum(b => b.Bytes) + OrphansRemoved.Sum(b => b.Bytes) + UploadsExpired.Sum(u => u.Bytes);
}
