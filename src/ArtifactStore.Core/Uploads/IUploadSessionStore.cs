using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Uploads;

/// <summary>
/// Where a backend keeps resumable upload sessions (docs/upload.md, "Upload sessions"): the bytes accepted
/// so far and the SHA-256 and BLAKE3 state over them, so that finishing never re-reads the whole upload.
/// Sessions survive a restart of the process. Calls for one session are serialized by the store.
/// Driven by <see cref="UploadService"/>, which both <c>/v1/uploads</c> and <c>/v2/</c> blob pushes use.
/// Implementations: files in the data root's <c>uploads/</c> (embedded).
/// </summary>
public interface IUploadSessionStore
{
    /// <summary>Creates an empty session, durably.</summary>
    Task<UploadSession> CreateAsync(string owner, long maxBytes, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>The session, or null when there is none with that id (never created, finished, abandoned or expired and removed).</summary>
    Task<UploadSession?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="chunk"/> at <paramref name="offset"/>, which must be the session's offset
    /// (<see cref="UploadErrorCodes.OffsetMismatch"/> otherwise, changing nothing). Bytes beyond the session's
    /// <see cref="UploadSession.MaxBytes"/> fail with <c>payload_too_large</c> and the chunk is dropped. A chunk
    /// cut off part way (the client went away) keeps the bytes that arrived: the offset says where to go on.
    /// The new offset is durable when this returns.
    /// </summary>
    Task<Result<UploadSession>> AppendAsync(Guid id, long offset, Stream chunk, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Finishes the session if its content has the digest <paramref name="expected"/>: hands the content to
    /// <paramref name="publish"/> as a staged blob (durable, both digests known) while nothing else can touch
    /// the session, then removes the session. A different digest answers
    /// <see cref="UploadErrorCodes.DigestMismatch"/> and the session stays as it was, usable.
    /// </summary>
    Task<Result<StagedBlob>> CompleteAsync(Guid id, BlobDigest expected, Func<StagedBlob, CancellationToken, Task> publish, CancellationToken cancellationToken);

    /// <summary>
    /// Removes a session and its bytes; returns the bytes freed, or null when it did not exist (or, given
    /// <paramref name="expiredBy"/>, had not expired by then: checked under the session's lock). Idempotent.
    /// </summary>
    Task<long?> RemoveAsync(Guid id, DateTimeOffset? expiredBy, CancellationToken cancellationToken);

    /// <summary>Every session, in no particular order (GC's expiry, and counting a caller's sessions).</summary>
    IAsyncEnumerable<UploadSession> ListAsync(CancellationToken cancellationToken);
}
