using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Content-addressed byte storage. Implementations: the filesystem (embedded) and, later, S3.
/// Blob bytes never change once published; the database decides which blobs are referenced.
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Streams <paramref name="content"/> into staging, computing SHA-256 and BLAKE3 in the same pass.
    /// The staged copy is durable (fsynced) when this returns. Fails with <c>payload_too_large</c>
    /// (nothing left behind) when more than <paramref name="maxBytes"/> bytes arrive.
    /// </summary>
    Task<Result<StagedBlob>> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Makes a staged blob durable at its address. Idempotent: if the address already holds the
    /// blob, the staged copy is dropped and <see cref="BlobPublishOutcome.AlreadyExists"/> returned.
    /// Callers must not publish a blob whose database row is in state <c>deleting</c> (docs/gc.md, protocol step 3).
    /// </summary>
    Task<BlobPublishOutcome> PublishAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="PublishAsync"/>, except that the blob need not be durable at its address yet
    /// when this returns: it is once a later <see cref="FlushPublishedAsync"/> has returned. Lets
    /// many publications share one flush. Nothing that references the blob may commit before that flush.
    /// </summary>
    Task<BlobPublishOutcome> PublishWithoutFlushAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>
    /// Makes every blob published so far by <see cref="PublishWithoutFlushAsync"/> durable at its
    /// address. Idempotent and cheap when nothing is pending. When it throws, none of those blobs may
    /// be relied on (they stay pending).
    /// </summary>
    Task FlushPublishedAsync(CancellationToken cancellationToken);

    /// <summary>Drops a staged copy that will not be published. Idempotent.</summary>
    Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>Opens a blob for reading, or returns null when no bytes exist at that address. The stream is unverified.</summary>
    Task<BlobContent?> OpenReadAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>Size and modification time of the bytes at an address, or null when there are none.</summary>
    Task<BlobStat?> StatAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>Deletes a blob's bytes. Returns the bytes freed, or null when it did not exist. Idempotent.</summary>
    Task<long?> DeleteAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>Every address that holds bytes, in no particular order (for fsck and the reaper).</summary>
    IAsyncEnumerable<BlobDigest> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether a new blob could be staged and published right now (the readiness check
    /// <c>blob_store</c>): proves it by a small durable write that it removes again, without touching
    /// any blob address. Never throws for an unwritable store; the result says why and what to do.
    /// </summary>
    Task<HealthCheck> CheckWritableAsync(CancellationToken cancellationToken);
}
