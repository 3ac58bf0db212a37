using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Uploads;

/// <summary>
/// Resumable uploads (docs/upload.md, "Upload sessions"): create, append at an offset, read the offset,
/// finish with an expected digest (the blob lands in the blob store only if it matches), abandon, expire.
/// Every call names the caller: a session is visible only to the caller that created it, and another
/// caller's id answers <see cref="UploadErrorCodes.UploadNotFound"/> like an id that never existed.
/// Both <c>/v1/uploads</c> and the OCI blob push drive it.
/// </summary>
public sealed class UploadService(IUploadSessionStore sessions, IBlobStore blobs, IStoreDatabase database, UploadOptions options, TimeProvider time, ProtocolHooks? hooks = null)
{
    public UploadOptions Options => options;

    public async Task<Result<UploadSession>> CreateAsync(string owner, CancellationToken cancellationToken)
    {
        var open = 0;
        await foreach (var session in sessions.ListAsync(cancellationToken))
        {
            if (session.Owner == owner && session.ExpiresAt > time.GetUtcNow())
            {
                open++;
            }
        }

        if (open >= options.MaxSessionsPerCaller)
        {
            return new StoreError(UploadErrorCodes.TooManySessions,
                $"this caller already has {open} upload sessions open (Uploads:MaxSessionsPerCaller); finish or abandon one first");
        }

        var now = time.GetUtcNow();
        return await sessions.CreateAsync(owner, options.MaxSessionBytes, now, now + options.SessionTimeout, cancellationToken);
    }

    public async Task<Result<UploadSession>> GetAsync(Guid id, string owner, CancellationToken cancellationToken) =>
        await sessions.GetAsync(id, cancellationToken) is { } session && Visible(session, owner)
            ? session
            : NotFound(id);

    /// <summary>Appends a chunk that must start at <paramref name="offset"/> (the session's offset).</summary>
    public async Task<Result<UploadSession>> AppendAsync(Guid id, string owner, long offset, Stream chunk, CancellationToken cancellationToken)
    {
        var found = await GetAsync(id, owner, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        return await sessions.AppendAsync(id, offset, chunk, time.GetUtcNow() + options.SessionTimeout, cancellationToken);
    }

    /// <summary>
    /// Finishes the session: when its content has the digest <paramref name="expected"/>, puts it at its
    /// address in the blob store (durable on return) and removes the session. The blob has no row until a
    /// package references it, so GC treats it as an orphan once it is older than <c>Gc:BlobGracePeriod</c>;
    /// bytes of a blob GC has condemned are revived, which gives them that grace period again
    /// (<see cref="BlobPublisher.PublishUnreferencedAsync"/>).
    /// </summary>
    public async Task<Result<StagedBlob>> FinishAsync(Guid id, string owner, BlobDigest expected, CancellationToken cancellationToken)
    {
        var found = await GetAsync(id, owner, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        return await sessions.CompleteAsync(id, expected,
            (staged, ct) => BlobPublisher.PublishUnreferencedAsync(database, blobs, staged, owner, hooks, ct), cancellationToken);
    }

    /// <summary>Abandons a session and drops its bytes.</summary>
    public async Task<Result<long>> AbandonAsync(Guid id, string owner, CancellationToken cancellationToken)
    {
        var found = await GetAsync(id, owner, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        return await sessions.RemoveAsync(id, expiredBy: null, cancellationToken) is { } freed ? freed : NotFound(id);
    }

    /// <summary>Removes every session whose time ran out by <paramref name="now"/> (GC); returns them with the bytes freed.</summary>
    public async Task<IReadOnlyList<(UploadSession Session, long BytesFreed)>> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = new List<(UploadSession, long)>();
        foreach (var session in await FindExpiredAsync(now, cancellationToken))
        {
            // The store checks the expiry again under the session's lock: a chunk that arrived meanwhile moved it on.
            if (await sessions.RemoveAsync(session.Id, expiredBy: now, cancellationToken) is { } freed)
            {
                removed.Add((session, freed));
            }
        }

        return removed;
    }

    /// <summary>Sessions whose time ran out by <paramref name="now"/>, removing nothing (GC's dry run).</summary>
    public async Task<IReadOnlyList<UploadSession>> FindExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = new List<UploadSession>();
        await foreach (var session in sessions.ListAsync(cancellationToken))
        {
            if (session.ExpiresAt <= now)
            {
                due.Add(session);
            }
        }

        return [.. due.OrderBy(s => s.Id)];
    }

    private bool Visible(UploadSession session, string owner) =>
        session.Owner == owner && session.ExpiresAt > time.GetUtcNow();

    private static StoreError NotFound(Guid id) =>
        new(UploadErrorCodes.UploadNotFound, $"there is no upload session {id} for this caller (finished, abandoned, expired, or never created)");
}
