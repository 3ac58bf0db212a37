using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Content-addressed byte storage, shaped so that an object store can implement it as well as a
/// filesystem: stage, put-if-absent at the content address, ranged reads, stat, delete, list.
/// Implementations: the filesystem (embedded). Blob bytes never change once stored; the database
/// decides which blobs are referenced (docs/gc.md). No method is called while a unit of work holds
/// the database's write lock except <see cref="StatAsync"/> (a metadata lookup, never a copy of bytes).
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Streams <paramref name="content"/> into staging, computing SHA-256 and BLAKE3 in the same pass.
    /// The staged copy is durable when this returns. Fails with <c>payload_too_large</c> (nothing left
    /// behind) when more than <paramref name="maxBytes"/> bytes arrive.
    /// </summary>
    Task<Result<StagedBlob>> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Stages a file (or the manifest) of a package, which the unit of work that creates the package will reference.
    /// A store that keeps small blobs in the database stages them in memory (<see cref="StagedBlob.InlineBytes"/>) for
    /// that unit to write (docs/upload.md, "Small blobs"); every other store stages as <see cref="StageAsync"/> does.
    /// </summary>
    Task<Result<StagedBlob>> StageForPackageAsync(Stream content, long maxBytes, CancellationToken cancellationToken) =>
        StageAsync(content, maxBytes, cancellationToken);

    /// <summary>
    /// The store that holds the blobs kept outside the database (files, objects): the backend's own store answers
    /// itself; a store that keeps small blobs in the database answers the store behind it. Asking it never reads
    /// the database, so a unit of work uses it to learn whether a file or object holds a blob: a read of the
    /// database outside the unit's transaction could still see inline bytes that a unit of the same group commit
    /// removed (docs/upload.md, "Small blobs", "Writing").
    /// </summary>
    IBlobStore OutsideTheDatabase { get; }

    /// <summary>
    /// Put-if-absent: makes the staged bytes durable at their content address, unless the address
    /// already holds them (<see cref="BlobPutOutcome.AlreadyExists"/>, also durable on return). The
    /// staged copy is kept, so the put can be repeated if the GC reaps the address before the unit of
    /// work that references it commits; <see cref="DiscardAsync"/> drops it afterwards. Safe to call
    /// concurrently for one digest. Called before, never inside, the unit of work (docs/upload.md).
    /// </summary>
    Task<BlobPutOutcome> PutAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>Drops a staged copy (after its unit of work committed, or when it will not be used). Idempotent.</summary>
    Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>
    /// Whatever is in staging now, for fsck: copies of uploads in flight, and leftovers of uploads whose
    /// process died before it discarded them. Empty for a store opened only for reading a backup.
    /// </summary>
    IAsyncEnumerable<StagingEntry> ListStagingAsync(CancellationToken cancellationToken);

    /// <summary>Removes one entry of staging that <see cref="ListStagingAsync"/> named (fsck --repair). Idempotent.</summary>
    Task DiscardStagingAsync(StagingEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a blob for reading from <paramref name="offset"/> (0 for the whole blob), or returns null
    /// when no bytes exist at that address. The stream is unverified (see <see cref="BlobReader"/>);
    /// <see cref="BlobContent.Length"/> is the length of the whole blob, whatever the offset.
    /// </summary>
    Task<BlobContent?> OpenReadAsync(BlobDigest digest, long offset, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a blob from its first byte into <paramref name="destination"/> until that is full or the blob ends, and
    /// returns how many bytes were read, or -1 when no bytes exist at that address. The bytes are unverified
    /// (<see cref="BlobReader"/> checks them). A caller that passes one byte more than the recorded length learns from
    /// the count alone whether the stored blob is shorter, exact or longer. This default opens a stream; a store of
    /// local files reads with one open, read and close and nothing else (docs/upload.md, "The download path").
    /// </summary>
    async ValueTask<int> ReadAsync(BlobDigest digest, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await using var content = await OpenReadAsync(digest, 0, cancellationToken);
        if (content is null)
        {
            return -1;
        }

        var total = 0;
        while (total < destination.Length)
        {
            var read = await content.Stream.ReadAsync(destination[total..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>
    /// Forgets any copy of the blob's bytes the store keeps in memory (<see cref="InlineBlobCache"/>), so the next read
    /// goes to the stored bytes: called when a read failed verification and when the blob is deleted. Most stores keep
    /// none, and this does nothing.
    /// </summary>
    void DropCachedBytes(BlobDigest digest)
    {
    }

    /// <summary>Size and modification time of the bytes at an address, or null when there are none.</summary>
    Task<BlobStat?> StatAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the bytes already at an address count as just written: afterwards <see cref="StatAsync"/> reports a
    /// modification time of now, durably, so the collector's orphan sweep, which goes by that time, leaves them a
    /// whole grace period again (docs/gc.md, "Uploads without a package"). The bytes themselves stay as they are.
    /// Returns false when there are none (never created, or removed meanwhile). Called outside the unit of work,
    /// like <see cref="PutAsync"/>.
    /// </summary>
    Task<bool> RefreshAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>Deletes a blob's bytes, durably. Returns the bytes freed, or null when it did not exist. Idempotent.</summary>
    Task<long?> DeleteAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>Every address that holds bytes, in no particular order (for fsck and the reaper).</summary>
    IAsyncEnumerable<BlobDigest> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes what puts interrupted by a crash left in the store itself, outside staging, once it was
    /// started before <paramref name="startedBefore"/> (the GC's grace period, so no put in flight is
    /// touched): incomplete multipart uploads in an object store; nothing for the filesystem, whose puts
    /// leave nothing behind. Returns how many were removed. Called by GC (docs/gc.md, "Leftovers").
    /// </summary>
    Task<int> AbortStaleUploadsAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken);

    /// <summary>
    /// A URL a client may fetch the blob from directly for <paramref name="validFor"/>, or null when
    /// the store has none (the filesystem never does; the server then streams the bytes itself).
    /// </summary>
    Task<Uri?> GetDownloadUrlAsync(BlobDigest digest, TimeSpan validFor, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a new blob could be staged and stored right now (the readiness check
    /// <c>blob_store</c>): proves it by a small durable write that it removes again, without touching
    /// any blob address. Never throws for an unwritable store; the result says why and what to do.
    /// </summary>
    Task<HealthCheck> CheckWritableAsync(CancellationToken cancellationToken);
}
